/**
 * The Jupyter wire protocol (messaging spec 5.3): multipart zmq frames
 * [identities…, "<IDS|MSG>", hmac, header, parent, metadata, content, buffers…],
 * signed with HMAC-SHA256 over the four JSON frames.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const DELIM = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  parent: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

function sign(key: string, frames: string[]): string {
  if (!key) return '';
  const h = createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

/** Parses and verifies a raw multipart message; throws on a bad signature. */
export function parse(key: string, raw: Buffer[]): Message {
  const at = raw.findIndex((b) => b.equals(DELIM));
  if (at < 0) throw new Error('message missing <IDS|MSG> delimiter');
  const [hmac, ...frames] = raw.slice(at + 1).map((b) => b.toString());
  const body = frames.slice(0, 4);
  const expected = Buffer.from(sign(key, body));
  if (key && (expected.length !== Buffer.byteLength(hmac!) || !timingSafeEqual(expected, Buffer.from(hmac!))))
    throw new Error('invalid message signature');
  const [header, parent, metadata, content] = body.map((f) => JSON.parse(f));
  return { identities: raw.slice(0, at), header, parent, metadata, content };
}

/** A reply/broadcast to `parent` of type `msgType`, as frames ready to send. */
export function frames(
  key: string,
  parent: Message,
  msgType: string,
  content: object,
  identities = parent.identities,
  metadata: object = {},
): (Buffer | string)[] {
  const header: Header = {
    msg_id: randomBytes(16).toString('hex'),
    msg_type: msgType,
    session: parent.header.session,
    username: parent.header.username,
    date: new Date().toISOString(),
    version: '5.3',
  };
  const body = [JSON.stringify(header), JSON.stringify(parent.header), JSON.stringify(metadata), JSON.stringify(content)];
  return [...identities, DELIM, sign(key, body), ...body];
}
