// Agent credentials for the socket.io desk: HS256 JWTs (jose) naming the tenant and the agent, issued by the server
// when an integrator registers an agent (POST /v1/agents). The signing key comes from AGENT_TOKEN_SECRET, or is
// generated once and kept in the data directory (mode 0600) so tokens survive a restart.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { OmniError, parseTenantId, type TenantId } from '../domain/index.js';

const ISSUER = 'omnicx';
const AUDIENCE = 'omnicx-agent-desk';

export interface AgentClaims {
  tenant: TenantId;
  agentId: string;
}

export class AgentTokens {
  private constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {}

  /** The configured secret, else the data directory's key file (created on first use). */
  static open(dataDir: string, secret: string | undefined, ttlSeconds: number): AgentTokens {
    if (secret !== undefined) return new AgentTokens(new TextEncoder().encode(secret), ttlSeconds);
    const file = path.join(dataDir, 'agent-token.key');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    return new AgentTokens(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), ttlSeconds);
  }

  issue(claims: AgentClaims): Promise<string> {
    return new SignJWT({ tenant: claims.tenant })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.agentId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid token; AUTH_FAILED for anything else (expired, tampered, wrong audience). */
  async verify(token: unknown): Promise<AgentClaims> {
    if (typeof token !== 'string' || token === '') throw new OmniError('UNAUTHORIZED', 'agent token required');
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.tenant !== 'string') throw new Error('claims missing');
      return { tenant: parseTenantId(payload.tenant), agentId: payload.sub };
    } catch (error) {
      throw new OmniError('UNAUTHORIZED', `invalid agent token: ${(error as Error).message}`);
    }
  }
}
