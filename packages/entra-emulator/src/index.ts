export { startEntraEmulator, type EntraEmulatorOptions, type RunningEntraEmulator } from './emulator.js';
export { EmulatorAdmin, type EmulatorState } from './admin/emulator-admin.js';
export { ADMIN_PREFIX } from './admin/admin.routes.js';
export type { LoggedRequest } from './http/request-log.js';
export { demoSeedPath, parseSeed, readSeedFile, type Seed, type SeedApplication, type SeedTenant } from './directory/seed.js';
export type { KeyCredential, KeyCredentialInput } from './directory/key-credential.js';
export type { FaultSettings, FaultTarget, TransientFault } from './faults/fault-plan.js';
