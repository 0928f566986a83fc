/**
 * Jest setupFiles: the Forge SDKs read their globals when they are imported (@forge/kvs reads
 * __forge_runtime__, @forge/bridge captures __bridge.callBridge), so the local platform's transport is
 * installed before any test file imports the app (docs/offline-toolchain.md §6, §7).
 */
import { installForgeGlobals } from '../../local/runtime/runtime';
import { installFakeBridge } from '../../local/ui/forge-doc';

installForgeGlobals();
installFakeBridge();

// The app logs JSON lines per invocation; tests keep them quiet unless ATTEST_LOG_LEVEL asks for more.
process.env.ATTEST_LOG_LEVEL ??= 'silent';
