// The Hono example as `npm run start:hono` runs it, in its own process over real sockets.
import { exampleProcessSuite } from '../../express/test/process-suite.ts';

exampleProcessSuite('hono');
