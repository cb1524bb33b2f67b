// stacks.js side of bench/OPSource.Benchmarks/StacksBenchmarks.cs (@stacks/transactions 7.6.0).
// Usage: node bench.mjs serve — reads one JSON request per stdin line, answers one line per request:
//   {op:"setup", key, contractAddress, contractName, functionName, args:[hex], nonce, fee, postConditions:[...]}
//       -> {hex}     the signed contract call, so the C# side can check both sides build the same bytes
//   {op:"build", count} -> {hex}   builds, signs and serializes the call `count` times (the last hex answered)
//   {op:"parse", count, hex} -> {txid}   deserializes `hex` `count` times
// One request does `count` operations, so the pipe's round trip is shared by all of them.
import { createInterface } from 'node:readline';
import { makeContractCall, deserializeTransaction, deserializeCV } from '@stacks/transactions';

let c = null;
async function build() {
  const tx = await makeContractCall({
    contractAddress: c.contractAddress, contractName: c.contractName, functionName: c.functionName,
    functionArgs: c.args.map(a => deserializeCV(a)), senderKey: c.key, network: 'testnet',
    nonce: BigInt(c.nonce), fee: BigInt(c.fee), postConditions: c.postConditions, postConditionMode: 'deny',
    validateWithAbi: false,
  });
  return tx.serialize();
}

async function handle(req) {
  switch (req.op) {
    case 'setup':
      c = req;
      return { hex: await build() };
    case 'build': {
      let hex = '';
      for (let i = 0; i < req.count; i++) hex = await build();
      return { hex };
    }
    case 'parse': {
      let txid = '';
      for (let i = 0; i < req.count; i++) txid = deserializeTransaction(req.hex).txid();
      return { txid };
    }
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let response;
  try { response = await handle(JSON.parse(line)); } catch (e) { response = { error: String(e?.message ?? e) }; }
  process.stdout.write(JSON.stringify(response) + '\n');
}
