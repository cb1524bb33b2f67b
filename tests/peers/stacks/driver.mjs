// OPSource differential driver for @stacks/transactions 7.6.0 (tests/OPSource.Layers.Tests/Stacks).
// Usage: node driver.mjs <command> <input.json>; prints one JSON document on stdout.
//   build:   [{case}] -> [{hex, txid}]      transactions built and signed by stacks.js from the same inputs
//   read:    [hex]    -> [{hex, txid, ok}]  stacks.js deserializes, re-serializes and verifies OPSource's bytes
//   clarity: [hex]    -> [{hex, repr}]      stacks.js deserializes Clarity values, re-serializes, prints
//   sip018:  [{case}] -> [{signature}]      pox-4 signer signatures (SIP-018) by stacks.js
//   c32:     [{hex, version?, hash?}] -> [{c32, address}]  c32check's c32encode / c32address
import { readFileSync } from 'node:fs';
import {
  makeUnsignedSTXTokenTransfer, makeUnsignedContractCall, makeUnsignedContractDeploy,
  TransactionSigner, sponsorTransaction, deserializeTransaction, deserializeCV, serializeCV, cvToString,
  createSingleSigSpendingCondition, createMultiSigSpendingCondition, createSmartContractPayload,
  postConditionToWire, createLPList, postConditionModeFrom,
  privateKeyToPublic, signStructuredData, tupleCV, stringAsciiCV, uintCV, bufferCV,
} from '@stacks/transactions';

import { c32encode, c32address } from 'c32check';

const [command, file] = process.argv.slice(2);
const input = JSON.parse(readFileSync(file, 'utf8'));

function postConditions(list) {
  return (list ?? []).map(pc => (pc.assetId ? { ...pc, assetId: deserializeCV(pc.assetId) } : pc));
}

async function build(c) {
  const network = c.network;
  const common = {
    network, nonce: BigInt(c.nonce), fee: BigInt(c.fee), sponsored: !!(c.sponsored || c.sponsor),
    postConditions: postConditions(c.postConditions), postConditionMode: c.postConditionMode,
  };
  const multi = c.multisig;
  const auth = multi
    ? { publicKeys: multi.publicKeys, numSignatures: multi.required, useNonSequentialMultiSig: multi.hashMode === 5 || multi.hashMode === 7 }
    : { publicKey: privateKeyToPublic(c.key) };
  let tx;
  if (c.kind === 'transfer') {
    tx = await makeUnsignedSTXTokenTransfer({ ...common, ...auth, recipient: c.recipient, amount: BigInt(c.amount), memo: c.memo });
  } else if (c.kind === 'call') {
    tx = await makeUnsignedContractCall({
      ...common, ...auth, contractAddress: c.contractAddress, contractName: c.contractName,
      functionName: c.functionName, functionArgs: c.args.map(a => deserializeCV(a)), validateWithAbi: false,
    });
  } else {
    tx = await makeUnsignedContractDeploy({ ...common, ...auth, contractName: c.contractName, codeBody: c.codeBody, clarityVersion: c.clarityVersion ?? undefined });
    if (c.clarityVersion == null) tx.payload = createSmartContractPayload(c.contractName, c.codeBody);
  }
  if (c.kind === 'transfer') {
    // makeUnsignedSTXTokenTransfer takes no post-conditions; the wire format allows them on any payload.
    tx.postConditionMode = postConditionModeFrom(c.postConditionMode ?? 'deny');
    tx.postConditions = createLPList(postConditions(c.postConditions).map(postConditionToWire));
  }
  if (c.anchorMode) tx.anchorMode = c.anchorMode;
  const sponsoredAuth = tx.auth;
  if (multi && (multi.hashMode === 3 || multi.hashMode === 7)) {
    sponsoredAuth.spendingCondition = createMultiSigSpendingCondition(multi.hashMode, multi.required, multi.publicKeys, BigInt(c.nonce), BigInt(c.fee));
  } else if (!multi && c.hashMode === 2) {
    sponsoredAuth.spendingCondition = createSingleSigSpendingCondition(2, privateKeyToPublic(c.key), BigInt(c.nonce), BigInt(c.fee));
  }
  const signer = new TransactionSigner(tx);
  if (multi) {
    for (const pub of multi.publicKeys) {
      const key = multi.signers.find(k => privateKeyToPublic(k) === pub);
      if (key) signer.signOrigin(key);
      else signer.appendOrigin(pub);
    }
  } else {
    signer.signOrigin(c.key);
  }
  tx = signer.transaction;
  if (c.sponsor && multi) {
    // sponsorTransaction's signer refuses an origin whose multi-sig is complete (TransactionSigner's
    // constructor counts its signatures); sponsor through the same primitives it uses.
    const cond = createSingleSigSpendingCondition(0, privateKeyToPublic(c.sponsor.key), BigInt(c.sponsor.nonce), BigInt(c.sponsor.fee));
    tx.setSponsor(cond);
    tx.signNextSponsor(tx.verifyOrigin(), c.sponsor.key);
  } else if (c.sponsor) {
    tx = await sponsorTransaction({ transaction: tx, sponsorPrivateKey: c.sponsor.key, fee: BigInt(c.sponsor.fee), sponsorNonce: BigInt(c.sponsor.nonce), network });
  }
  return { hex: tx.serialize(), txid: tx.txid() };
}

function read(hex) {
  const tx = deserializeTransaction(hex);
  let ok = true, error = null;
  try { tx.verifyOrigin(); } catch (e) { ok = false; error = String(e.message ?? e); }
  return { hex: tx.serialize(), txid: tx.txid(), ok, error };
}

function sip018(c) {
  const message = tupleCV({
    'pox-addr': tupleCV({ version: bufferCV(Buffer.from(c.version, 'hex')), hashbytes: bufferCV(Buffer.from(c.hashbytes, 'hex')) }),
    'reward-cycle': uintCV(c.rewardCycle), topic: stringAsciiCV(c.topic), period: uintCV(c.period),
    'max-amount': uintCV(c.maxAmount), 'auth-id': uintCV(c.authId),
  });
  const domain = tupleCV({ name: stringAsciiCV('pox-4-signer'), version: stringAsciiCV('1.0.0'), 'chain-id': uintCV(c.chainId) });
  return { signature: signStructuredData({ message, domain, privateKey: c.key }) };
}

const out = [];
for (const item of input) {
  try {
    if (command === 'build') out.push(await build(item));
    else if (command === 'read') out.push(read(item));
    else if (command === 'clarity') { const cv = deserializeCV(item); out.push({ hex: serializeCV(cv), repr: cvToString(cv) }); }
    else if (command === 'sip018') out.push(sip018(item));
    else if (command === 'c32') out.push({ c32: c32encode(item.hex), address: item.version == null ? null : c32address(item.version, item.hash) });
    else throw new Error(`unknown command ${command}`);
  } catch (e) {
    out.push({ error: String(e?.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(out));
