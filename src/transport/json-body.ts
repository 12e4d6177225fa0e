// Parses a JSON request body, turning a syntax error into the stable INVALID_JSON error.
import { OmniError } from '../domain/index.js';

export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new OmniError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}
