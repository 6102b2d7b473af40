/**
 * The failure converter of every worker and bundle: a failure's message and stack trace travel as an encoded
 * payload (`encodeCommonAttributes`), so the payload codec encrypts them like any other payload. Without it, a tool
 * error quoting argument values, or an upstream's error text, sits in history in plaintext even with a payload
 * key. The server and an old client see "Encoded failure"; a client or the Temporal UI with the codec sees the text.
 *
 * Loaded by path (`failureConverterPath`): the workflow sandbox and the worker each load it.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
