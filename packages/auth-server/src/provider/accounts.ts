import type { FindAccount } from 'oidc-provider';
import type { UserConfig } from '../config/types.js';
import { hashPassword, verifyPassword } from '../passwords/scrypt.js';

/** The people who can sign in, from the config's `users`. */
export interface AccountStore {
  /** oidc-provider's findAccount: the account's claims for ID tokens and userinfo. */
  findAccount: FindAccount;
  /** The user when the password matches; undefined for an unknown user or a wrong password. */
  authenticate(username: string, password: string): Promise<UserConfig | undefined>;
  get(username: string): UserConfig | undefined;
}

export function createAccountStore(users: UserConfig[]): AccountStore {
  const byName = new Map(users.map((user) => [user.username, user]));
  // Unknown usernames are checked against a throwaway hash so both answers take one scrypt run
  // and the response time does not tell which usernames exist.
  const decoy = hashPassword('decoy-password-never-matches');

  return {
    get: (username) => byName.get(username),
    async authenticate(username, password) {
      const user = byName.get(username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoy));
      return user && ok ? user : undefined;
    },
    async findAccount(_ctx, sub) {
      const user = byName.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.username,
        async claims() {
          return {
            sub: user.username,
            ...(user.name ? { name: user.name } : {}),
            ...(user.email ? { email: user.email, email_verified: false } : {}),
            roles: user.roles,
          };
        },
      };
    },
  };
}
