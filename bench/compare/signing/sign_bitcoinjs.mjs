// Signs the benchmark's 2-in/2-out transaction with bitcoinjs-lib through its Psbt (addInput with
// witnessUtxo, signInput, finalizeAllInputs, extractTransaction), P2WPKH or P2TR key path (BIP86:
// tapInternalKey, the key tweaked with TapTweak(internal key)). One warm-up round, then timed rounds, in
// this fresh process; --threads N signs each round's batch in N worker threads. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { ECPairFactory } from 'ecpair';

bitcoin.initEccLib(ecc);
const ECPair = ECPairFactory(ecc);
const fixture = JSON.parse(readFileSync(new URL('./fixture.json', import.meta.url)));
const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));

function makeSigners(kind) {
  return fixture.keys.map((k) => {
    const pair = ECPair.fromPrivateKey(hex(k));
    if (kind === 'p2wpkh') {
      return { signer: pair, script: bitcoin.payments.p2wpkh({ pubkey: pair.publicKey }).output };
    }
    const internal = pair.publicKey.slice(1, 33);
    const payment = bitcoin.payments.p2tr({ internalPubkey: internal });
    // BIP341/BIP86: the key path signs with the internal key tweaked by TapTweak(internal key).
    const tweaked = pair.tweak(bitcoin.crypto.taggedHash('TapTweak', internal));
    return { signer: tweaked, script: payment.output, internal };
  });
}

function signOne(kind, signers, n) {
  const psbt = new bitcoin.Psbt();
  psbt.setVersion(2);
  psbt.setLocktime(0);
  fixture.prevouts.forEach((p, i) => {
    const input = { hash: p.txid, index: p.vout, sequence: 0xfffffffd, witnessUtxo: { script: signers[i].script, value: BigInt(p.value) } };
    if (kind === 'p2tr') input.tapInternalKey = signers[i].internal;
    psbt.addInput(input);
  });
  fixture.outputs.forEach((o) => psbt.addOutput({ script: hex(o.script_pubkey), value: BigInt(o.value - n) }));
  signers.forEach((s, i) => psbt.signInput(i, s.signer));
  psbt.finalizeAllInputs();
  return psbt.extractTransaction().toHex();
}

function run(kind, start, count) {
  const signers = makeSigners(kind);
  let first = null;
  for (let n = start; n < start + count; n++) {
    const h = signOne(kind, signers, n);
    if (first === null) first = h;
  }
  return first;
}

if (!isMainThread) {
  parentPort.on('message', ({ start, count }) => parentPort.postMessage(run(workerData.kind, start, count)));
} else {
  const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
  const kind = args.kind ?? 'p2wpkh';
  const txs = Number(args.txs ?? 2000);
  const rounds = Number(args.rounds ?? 5);
  const threads = Number(args.threads ?? 1);
  const times = [];
  let first = null;
  if (threads === 1) {
    for (let r = 0; r <= rounds; r++) {
      const t0 = process.hrtime.bigint();
      const f = run(kind, 0, txs);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r > 0) times.push(dt);
      first ??= f;
    }
  } else {
    const workers = Array.from({ length: threads }, () => new Worker(fileURLToPath(import.meta.url), { workerData: { kind } }));
    const share = Math.floor(txs / threads);
    const round = () => Promise.all(workers.map((w, k) => new Promise((res) => { w.once('message', res); w.postMessage({ start: k * share, count: share }); })));
    for (let r = 0; r <= rounds; r++) {
      const t0 = process.hrtime.bigint();
      const res = await round();
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r > 0) times.push(dt);
      first ??= res[0];
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const version = JSON.parse(readFileSync(new URL('./node_modules/bitcoinjs-lib/package.json', import.meta.url))).version;
  console.log(JSON.stringify({ impl: `bitcoinjs-lib ${kind}`, version, threads, txs, round_seconds: times, first_tx: first }));
}
