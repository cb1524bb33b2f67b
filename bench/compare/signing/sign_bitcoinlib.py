#!/usr/bin/env python3
"""Signs the benchmark's 2-in/2-out P2WPKH transaction with python-bitcoinlib, the way its
examples/spend-p2wpkh.py does (SignatureHash with SIGVERSION_WITNESS_V0, CKey.sign, CTxInWitness), in
its default OpenSSL mode or its libsecp256k1 mode. One warm-up round, then timed rounds, in this fresh
process; --procs N signs the batch in N processes (multiprocessing), each its share of every round.
Prints one JSON line: mode, procs, txs per round, the per-round times, and the first signed transaction."""

import argparse
import json
import multiprocessing
import time

import bitcoin
import bitcoin.core.key
from bitcoin.core import COutPoint, CTxIn, CTxOut, CMutableTransaction, CTxInWitness, CTxWitness, CScriptWitness, Hash160, lx, b2x
from bitcoin.core.key import CECKey
from bitcoin.core.script import CScript, OP_0, OP_DUP, OP_HASH160, OP_EQUALVERIFY, OP_CHECKSIG, SignatureHash, SIGHASH_ALL, SIGVERSION_WITNESS_V0
from bitcoin.wallet import CBitcoinSecret

import fixture


def make_keys():
    return [CBitcoinSecret.from_secret_bytes(bytes.fromhex(k)) for k in fixture.KEYS]


def sign_one(keys, n):
    """Builds and signs transaction number n (its outputs' amounts depend on n, so no two are alike)."""
    ins = [CTxIn(COutPoint(lx(txid), vout), nSequence=0xfffffffd) for txid, vout in fixture.PREVOUTS]
    outs = [CTxOut(value - n, CScript(bytes.fromhex(spk))) for value, spk in fixture.outputs()]
    tx = CMutableTransaction(ins, outs, nLockTime=0, nVersion=2)
    witnesses = []
    for i, key in enumerate(keys):
        pub = key.pub
        # BIP143: the P2WPKH scriptCode is the P2PKH script of the key hash.
        script_code = CScript([OP_DUP, OP_HASH160, Hash160(pub), OP_EQUALVERIFY, OP_CHECKSIG])
        sighash = SignatureHash(script_code, tx, i, SIGHASH_ALL, amount=fixture.PREVOUT_VALUES[i], sigversion=SIGVERSION_WITNESS_V0)
        sig = key.sign(sighash) + bytes([SIGHASH_ALL])
        witnesses.append(CTxInWitness(CScriptWitness([sig, pub])))
    tx.wit = CTxWitness(witnesses)
    return tx.serialize()


def worker(args):
    mode, start, count = args
    if mode == "libsecp256k1":
        bitcoin.core.key.use_libsecp256k1_for_signing(True)
    keys = make_keys()
    first = None
    for n in range(start, start + count):
        raw = sign_one(keys, n)
        if first is None:
            first = raw
    return b2x(first) if first is not None else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["openssl", "libsecp256k1"], required=True)
    p.add_argument("--txs", type=int, default=2000, help="transactions per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--procs", type=int, default=1)
    a = p.parse_args()
    times = []
    first = None
    if a.procs == 1:
        worker((a.mode, 0, 10))  # load the library (libsecp256k1 context) before the warm-up
        for r in range(a.rounds + 1):
            t0 = time.perf_counter()
            f = worker((a.mode, 0, a.txs))
            dt = time.perf_counter() - t0
            if r > 0:
                times.append(dt)
            first = first or f
    else:
        share = a.txs // a.procs
        with multiprocessing.Pool(a.procs) as pool:
            pool.map(worker, [(a.mode, 0, 10)] * a.procs)
            for r in range(a.rounds + 1):
                t0 = time.perf_counter()
                res = pool.map(worker, [(a.mode, k * share, share) for k in range(a.procs)])
                dt = time.perf_counter() - t0
                if r > 0:
                    times.append(dt)
                first = first or res[0]
    print(json.dumps({"impl": "python-bitcoinlib " + a.mode, "version": getattr(bitcoin, "__version__", "?"),
                      "procs": a.procs, "txs": a.txs, "round_seconds": times, "first_tx": first}))


if __name__ == "__main__":
    main()
