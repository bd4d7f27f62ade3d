import { createVault, type UserVault, type VaultOptions } from './user-vault';

/**
 * Test helper: vaults with few PBKDF2 iterations, so a test file does not
 * spend seconds deriving keys (user-vault.test.ts keeps the real count).
 */
export const TEST_ITERATIONS = 1_000;

export function testVault(userId = crypto.randomUUID(), password = 'correct horse', opts: VaultOptions = {}): Promise<UserVault> {
  return createVault(userId, password, { iterations: TEST_ITERATIONS, ...opts });
}
