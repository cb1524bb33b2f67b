// OPSource's Clarity simnet peer (@stacks/clarinet-sdk 3.21.0, wasm 3.21.0; offline, no remote requirements).
// Usage: node simnet.mjs serve — one JSON request per stdin line, one JSON response per stdout line:
//   {op:"accounts"} -> {accounts:{name:address}}
//   {op:"deploy", name, source, sender} -> {result: hex}
//   {op:"call", contract, fn, args:[hex], sender} -> {result: hex, events:[...]}   (public function)
//   {op:"read", contract, fn, args:[hex], sender} -> {result: hex}                  (read-only function)
//   {op:"height"} -> {block_height, burn_block_height}
//   {op:"mine", blocks} -> {block_height, burn_block_height}
//   {op:"transfer", amount, recipient, sender} -> {result: hex}                    (STX transfer)
//   {op:"interface", contract} -> {interface: {...}}   (the contract's ABI, as a node's /v2/contracts/interface)
// Values cross as Clarity wire hex, so OPSource encodes every argument and decodes every result.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { initSimnet } from '@stacks/clarinet-sdk';
import { deserializeCV, serializeCV } from '@stacks/transactions';

const dir = mkdtempSync(join(tmpdir(), 'opsource-simnet-'));
mkdirSync(join(dir, 'settings'));
writeFileSync(join(dir, 'Clarinet.toml'), '[project]\nname = "opsource-stacks-tests"\nrequirements = []\n\n[contracts]\n\n[repl.analysis]\npasses = []\n');
// Clarinet's default devnet accounts (public test mnemonics shipped with every `clarinet new` project).
writeFileSync(join(dir, 'settings', 'Devnet.toml'), `[network]
name = "devnet"

[accounts.deployer]
mnemonic = "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green tomorrow spring wrist shed math olympic multiply hip blue scout claw"
balance = 100_000_000_000_000

[accounts.wallet_1]
mnemonic = "sell invite acquire kitten bamboo drastic jelly vivid peace spawn twice guilt pave pen trash pretty park cube fragile unaware remain midnight betray rebuild"
balance = 100_000_000_000_000
`);

const log = console.log;
console.log = (...a) => process.stderr.write(a.join(' ') + '\n'); // keep stdout for responses
const simnet = await initSimnet(join(dir, 'Clarinet.toml'), true);
simnet.setEpoch('3.0');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const hex = cv => serializeCV(cv);
function handle(req) {
  switch (req.op) {
    case 'accounts':
      return { accounts: Object.fromEntries(simnet.getAccounts()) };
    case 'deploy': {
      const r = simnet.deployContract(req.name, req.source, { clarityVersion: 3 }, req.sender);
      return { result: hex(r.result) };
    }
    case 'call': {
      const r = simnet.callPublicFn(req.contract, req.fn, req.args.map(a => deserializeCV(a)), req.sender);
      return { result: hex(r.result), events: r.events.map(e => e.event) };
    }
    case 'read': {
      const r = simnet.callReadOnlyFn(req.contract, req.fn, req.args.map(a => deserializeCV(a)), req.sender);
      return { result: hex(r.result) };
    }
    case 'transfer': {
      const r = simnet.transferSTX(BigInt(req.amount), req.recipient, req.sender);
      return { result: hex(r.result) };
    }
    case 'interface': {
      const abi = simnet.getContractsInterfaces().get(req.contract);
      if (!abi) throw new Error(`no contract ${req.contract}`);
      return { interface: abi };
    }
    case 'mine':
      simnet.mineEmptyBlocks(req.blocks);
    // fall through
    case 'height':
      return { block_height: simnet.blockHeight, burn_block_height: simnet.burnBlockHeight };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

log(JSON.stringify({ ready: true }));
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let response;
  try { response = handle(JSON.parse(line)); } catch (e) { response = { error: String(e?.message ?? e) }; }
  log(JSON.stringify(response, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
