// SSH key pairs for the stand-in devices and clients. ssh2's ed25519 generator strips a public key's leading zero
// byte, so about 1 pair in 256 is one its own parser refuses (mscdex/ssh2#1513, #1390): such a pair is drawn again.
import { utils } from 'ssh2';

type Options = Parameters<typeof utils.generateKeyPairSync>[1];

export function ed25519Pair(opts?: Options & { passphrase?: string }): { private: string; public: string } {
  for (;;) {
    const pair = opts ? utils.generateKeyPairSync('ed25519', opts) : utils.generateKeyPairSync('ed25519');
    const ok = !(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private, opts?.passphrase) instanceof Error);
    if (ok) return pair;
  }
}
