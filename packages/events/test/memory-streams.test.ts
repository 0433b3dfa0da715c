// The memory StreamStore against the shared contract: SSF streams are per tenant, stream ids are
// unique across tenants, and what it returns is frozen.
import { createMemoryStreamStore } from '../src/lib/memory-streams.ts';
import { describeStreamStoreContract } from './fixtures/stream-store-contract.ts';

describeStreamStoreContract('memory', () => createMemoryStreamStore());
