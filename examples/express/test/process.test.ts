// The Express example as `npm start` runs it, in its own process over real sockets.
import { exampleProcessSuite } from './process-suite.ts';

exampleProcessSuite('express');
