// The request bodies of Microsoft's Postman collection for SCIM endpoints (PostmanCollection.json in
// AzureAD/SCIMReferenceCode), as it sends them: capitalised sub-attributes, nulls, client-written
// meta and an externalId shared by every user. Only names and ids are made unique.
import { U, type Json } from './steps.js';

/** A short random suffix, so the collection's fixed names stay unique in a store that keeps data. */
export function tag(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** The collection's "Post User" body (capital `Primary`). */
export function bobUser(userName: string, displayName = 'BobIsAmazing'): Json {
  return {
    userName,
    active: true,
    displayName,
    schemas: [U],
    externalId: crypto.randomUUID(),
    name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
    emails: [
      { Primary: true, type: 'work', value: 'testing@bob.com' },
      { Primary: false, type: 'home', value: 'testinghome@bob.com' },
    ],
  };
}

/** The collection's "User tests with garbage" body: nulls, meta, a shared externalId, two work emails. */
export function garbageUser(userName: string, familyName = 'Employee', extra: Json = {}): Json {
  const address = {
    formatted: '18522 Lisa Unions\nEast Gregory, CT 52311',
    type: 'other',
    primary: false,
    country: null,
    locality: null,
    postalCode: null,
    region: null,
    streetAddress: null,
  };
  return {
    userName,
    active: true,
    addresses: [
      {
        country: 'Bermuda',
        formatted: '9132 Jennifer Way Suite 040\nSouth Nancy, MI 55645',
        locality: 'West Mercedes',
        postalCode: '99265',
        region: 'Montana',
        streetAddress: '4939 Hess Fork',
        type: 'work',
        primary: false,
      },
      address,
    ],
    displayName: 'Kimberly Baker',
    emails: [
      { type: 'work', primary: true, value: 'anna33@gmail.com' },
      { type: 'work', primary: false, value: 'anna33@example.com' },
    ],
    meta: {
      created: '2019-09-18T18:15:26.5788954+00:00',
      lastModified: '2019-09-18T18:15:26.5788976+00:00',
      resourceType: 'User',
    },
    name: {
      formatted: 'Daniel Mcgee',
      familyName,
      givenName: 'Darl',
      honorificPrefix: null,
      honorificSuffix: null,
    },
    phoneNumbers: [
      { type: 'fax', primary: false, value: '312-320-0500' },
      { type: 'mobile', primary: false, value: '312-320-1707' },
      { type: 'work', primary: true, value: '312-320-0932' },
    ],
    preferredLanguage: 'xh',
    roles: [],
    title: 'Site engineer',
    // The collection gives every one of these users the same externalId.
    externalId: '22fbc523-6032-4c5f-939d-5d4850cf3e52',
    schemas: [U],
    ...extra,
  };
}
