export default function Home() {
  return <p>This app serves a SCIM 2.0 endpoint at /scim/v2.</p>;
}
