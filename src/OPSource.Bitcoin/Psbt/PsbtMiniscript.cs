using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Psbt;

/// <summary>
/// BIP174 Input Finalizer for miniscript inputs, as Core's finalizepsbt does it (sign.cpp
/// ProduceSignature with the PSBT's SignatureData): a P2WSH witness script that is not a standard
/// template, and every tapscript leaf, is decoded as miniscript and satisfied with the input's
/// partial/tap-script signatures, hash preimages and the unsigned transaction's nLockTime and
/// nSequence; the finished input is then verified through the consensus interpreter with the
/// standard flags (Core sets <c>complete</c> only when VerifyScript passes).
/// </summary>
internal sealed class PsbtMiniscript
{
    private readonly Psbt _psbt;
    private Transaction? _tx;
    private PrecomputedTransactionData? _precomputed;
    private bool _prepared;

    public PsbtMiniscript(Psbt psbt) => _psbt = psbt;

    /// <summary>
    /// Core ProduceSignature for P2WSH: the miniscript satisfier runs when the standard solver found
    /// nothing (non-standard scripts; P2PK/P2PKH-shaped scripts whose signature is missing), not after
    /// a partial CHECKMULTISIG solution.
    /// </summary>
    public static bool Applies(Script witnessScript) => StandardScripts.Solve(witnessScript).Template is not ScriptTemplate.Multisig;

    /// <summary>
    /// Whether a script is a miniscript of <paramref name="context"/> that uses <paramref name="pubKey"/>
    /// (33 bytes in P2WSH, x-only in Tapscript), pushed or by its HASH160 in pk_h.
    /// </summary>
    public static bool UsesKey(Script script, ReadOnlySpan<byte> pubKey, MiniscriptContext context = MiniscriptContext.P2Wsh)
    {
        if (pubKey.Length != (context == MiniscriptContext.Tapscript ? 32 : 33) || !Miniscripts.TryFromScript(script, context, AnyKeys.Instance, out var node, out _))
        {
            return false;
        }

        var hash = new byte[20];
        Hashes.Hash160(pubKey, hash);
        var pushed = Hex.Encode(pubKey);
        var hashed = "h" + Hex.Encode(hash);
        return node.AllKeys().Any(k => k == pushed || k == hashed);
    }

    /// <summary>Satisfies a P2WSH (or P2SH-P2WSH) witness script; the returned stack ends with the script.</summary>
    public bool TrySatisfyWsh(PsbtInput input, Script witnessScript, Script? redeemScript, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out string? why)
    {
        stack = null;
        if (!Prepare(out why))
        {
            return false;
        }

        var keys = new ScriptKeys(input, MiniscriptContext.P2Wsh);
        if (!Miniscripts.TryFromScript(witnessScript, MiniscriptContext.P2Wsh, keys, out var node, out var error))
        {
            why = $"has a witness_script the finalizer cannot satisfy ({error.Message})";
            return false;
        }

        var witness = node.Satisfy(new PsbtSatisfier(input, _tx!, keys, null));
        if (witness.Availability != MiniscriptAvailability.Yes)
        {
            why = "has a miniscript witness_script without a non-malleable satisfaction from its signatures, preimages and timelocks";
            return false;
        }

        var items = witness.Stack.ToList();
        items.Add(witnessScript.ToBytes());
        var scriptSig = redeemScript is null ? Script.Empty : new ScriptBuilder().Push(redeemScript.Span).Build();
        if (!Verify(input, scriptSig, items, out why))
        {
            return false;
        }

        stack = items;
        return true;
    }

    /// <summary>
    /// Core SignTaproot's script path: every BIP342 leaf is satisfied as miniscript; the smallest
    /// complete witness wins (ties: the first leaf in script byte order), with the leaf's shortest control block.
    /// </summary>
    public bool TrySatisfyTaproot(PsbtInput input, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out string? why)
    {
        stack = null;
        if (!Prepare(out why))
        {
            return false;
        }

        // Core's tr_spenddata.scripts: a map keyed by (script, leaf version), each with its control blocks shortest first.
        var leaves = input.TapLeafScripts
            .GroupBy(l => (Hex: Hex.Encode(l.Script.Span), l.LeafVersion))
            .Select(g => (Leaf: g.First(), ControlBlock: g.Select(l => l.ControlBlock.ToBytes()).OrderBy(c => c.Length).ThenBy(c => Hex.Encode(c), StringComparer.Ordinal).First()))
            .ToList();
        List<byte[]>? best = null;
        var bestSize = long.MaxValue;
        var reasons = new List<string>();
        foreach (var (leaf, controlBlock) in OrderByScriptBytes(leaves))
        {
            // Only BIP342 tapscript leaves can be signed.
            if (leaf.LeafVersion != TapLeafHash.TapscriptLeafVersion)
            {
                continue;
            }

            var keys = new ScriptKeys(input, MiniscriptContext.Tapscript);
            if (!Miniscripts.TryFromScript(leaf.Script, MiniscriptContext.Tapscript, keys, out var node, out _))
            {
                continue;
            }

            var witness = node.Satisfy(new PsbtSatisfier(input, _tx!, keys, leaf.LeafHash));
            if (witness.Availability != MiniscriptAvailability.Yes)
            {
                continue;
            }

            var items = witness.Stack.ToList();
            items.Add(leaf.Script.ToBytes());
            items.Add(controlBlock);

            // Core GetSerializeSize of the stack: the count and each element with its length.
            var size = CompactSize.GetSize((ulong)items.Count) + items.Sum(i => CompactSize.GetSize((ulong)i.Length) + i.Length);
            if (size < bestSize)
            {
                best = items;
                bestSize = size;
            }
        }

        if (best is null)
        {
            why = "has no tap_key_sig and no tap_leaf_script it can satisfy with its tap_script_sigs, preimages and timelocks";
            return false;
        }

        if (!Verify(input, Script.Empty, best, out why))
        {
            return false;
        }

        stack = best;
        return true;
    }

    // std::map<std::pair<std::vector<unsigned char>, int>, ...> orders by the script bytes (lexicographic), then the version.
    private static IEnumerable<(PsbtTapLeafScript Leaf, byte[] ControlBlock)> OrderByScriptBytes(List<(PsbtTapLeafScript Leaf, byte[] ControlBlock)> leaves) =>
        leaves.OrderBy(l => l.Leaf.Script.ToBytes(), ByteComparer.Instance).ThenBy(l => l.Leaf.LeafVersion);

    private bool Prepare([NotNullWhen(false)] out string? why)
    {
        if (!_prepared)
        {
            _prepared = true;
            if (_psbt.TryGetUnsignedTransaction(out var tx, out _))
            {
                _tx = tx;
                var utxos = _psbt.Inputs.Select(i => i.GetUtxo()).ToList();

                // Core PrecomputePSBTData: the BIP341 data needs every spent output.
                _precomputed = utxos.All(u => u is not null) ? new PrecomputedTransactionData(tx, utxos!) : new PrecomputedTransactionData(tx);
            }
        }

        why = _tx is null ? "cannot be finalized: the PSBT has no valid unsigned transaction" : null;
        return _tx is not null;
    }

    // Core ProduceSignature: complete = VerifyScript(scriptSig, scriptPubKey, witness, STANDARD_SCRIPT_VERIFY_FLAGS, checker).
    private bool Verify(PsbtInput input, Script scriptSig, List<byte[]> witness, [NotNullWhen(false)] out string? why)
    {
        var utxo = input.GetUtxo()!;
        var checker = new TransactionSignatureChecker(_tx!, input.Index, utxo, _precomputed);
        var ok = ScriptInterpreter.VerifyScript(scriptSig, utxo.ScriptPubKey, new Witness(witness.Select(w => (ReadOnlyMemory<byte>)w)), ScriptFlags.Standard, checker, out var error);
        why = ok ? null : $"has a miniscript witness that does not verify ({ScriptErrors.Name(error)})";
        return ok;
    }

    /// <summary>Decodes any key: pushed keys as their hex, pk_h hashes as "h" + hash hex (for finding a key's uses).</summary>
    private sealed class AnyKeys : IMiniscriptKeyDecoder<string>
    {
        public static readonly AnyKeys Instance = new();

        public IEqualityComparer<string> KeyComparer => StringComparer.Ordinal;

        public bool TryFromPushBytes(ReadOnlySpan<byte> bytes, MiniscriptContext context, [MaybeNullWhen(false)] out string key)
        {
            key = Hex.Encode(bytes);
            return true;
        }

        public bool TryFromHash160(ReadOnlySpan<byte> hash, MiniscriptContext context, [MaybeNullWhen(false)] out string key)
        {
            key = "h" + Hex.Encode(hash);
            return true;
        }
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>
    /// Keys as the script holds them (hex of the pushed bytes). Like Core's WshSatisfier/TapSatisfier,
    /// pushed keys decode as they are (P2WSH: a valid public key) and a <c>pk_h</c> hash resolves
    /// to a key the PSBT input names: a partial signature's key, a BIP32 or a taproot BIP32 derivation.
    /// </summary>
    private sealed class ScriptKeys : IMiniscriptKeyDecoder<string>, IMiniscriptKeyEncoder<string>
    {
        private readonly Dictionary<string, string> _byHash = new(StringComparer.Ordinal);

        public ScriptKeys(PsbtInput input, MiniscriptContext context)
        {
            void Add(byte[] bytes) => _byHash.TryAdd(Hex.Encode(Hash160(bytes)), Hex.Encode(bytes));
            if (context == MiniscriptContext.P2Wsh)
            {
                foreach (var sig in input.PartialSignatures)
                {
                    Add(sig.IsCompressed ? sig.PublicKey.ToCompressed() : sig.PublicKey.ToUncompressed());
                }

                foreach (var d in input.Bip32Derivations)
                {
                    Add(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed());
                }
            }
            else
            {
                foreach (var d in input.TapBip32Derivations)
                {
                    Add(d.Key.ToBytes());
                }
            }
        }

        public IEqualityComparer<string> KeyComparer => StringComparer.Ordinal;

        public bool TryFromPushBytes(ReadOnlySpan<byte> bytes, MiniscriptContext context, [MaybeNullWhen(false)] out string key)
        {
            // Core WshSatisfier::FromPKBytes: CPubKey::IsValid; TapSatisfier takes any 32 bytes.
            if (context == MiniscriptContext.P2Wsh ? bytes.Length == 33 && Crypto.Secp256k1.PublicKey.TryParse(bytes, out _) : bytes.Length == 32)
            {
                key = Hex.Encode(bytes);
                return true;
            }

            key = null;
            return false;
        }

        public bool TryFromHash160(ReadOnlySpan<byte> hash, MiniscriptContext context, [MaybeNullWhen(false)] out string key) =>
            _byHash.TryGetValue(Hex.Encode(hash), out key);

        public byte[] ToPushBytes(string key, MiniscriptContext context) => Hex.Parse(key);

        public byte[] ToHash160(string key, MiniscriptContext context) => Hash160(Hex.Parse(key));

        private static byte[] Hash160(byte[] data)
        {
            var hash = new byte[20];
            Hashes.Hash160(data, hash);
            return hash;
        }
    }

    /// <summary>The PSBT input's signatures and preimages, and the transaction's timelocks (Core's Satisfier over SignatureData).</summary>
    private sealed class PsbtSatisfier : MiniscriptSatisfier<string>
    {
        private readonly PsbtInput _input;
        private readonly TransactionSignatureChecker _checker;
        private readonly ScriptKeys _keys;
        private readonly TapLeafHash? _leafHash;

        public PsbtSatisfier(PsbtInput input, Transaction tx, ScriptKeys keys, TapLeafHash? leafHash)
        {
            _input = input;
            _checker = new TransactionSignatureChecker(tx, input.Index, input.GetUtxo()!);
            _keys = keys;
            _leafHash = leafHash;
        }

        public override IMiniscriptKeyEncoder<string> Encoder => _keys;

        public override MiniscriptAvailability Sign(string key, out byte[] signature)
        {
            if (_leafHash is { } leaf)
            {
                // BIP371 PSBT_IN_TAP_SCRIPT_SIG, keyed by (x-only key, leaf hash).
                foreach (var s in _input.TapScriptSignatures)
                {
                    if (s.LeafHash == leaf && Hex.Encode(s.Key.ToBytes()) == key)
                    {
                        signature = s.Signature.ToArray();
                        return MiniscriptAvailability.Yes;
                    }
                }
            }
            else
            {
                // BIP174 PSBT_IN_PARTIAL_SIG, keyed by the serialized public key.
                foreach (var s in _input.PartialSignatures)
                {
                    var pub = s.IsCompressed ? s.PublicKey.ToCompressed() : s.PublicKey.ToUncompressed();
                    if (Hex.Encode(pub) == key)
                    {
                        signature = s.Signature.ToArray();
                        return MiniscriptAvailability.Yes;
                    }
                }
            }

            signature = [];
            return MiniscriptAvailability.No;
        }

        // Core's Satisfier asks the transaction checker (BIP65/BIP112 against nLockTime and nSequence).
        public override bool CheckAfter(uint value) => _checker.CheckLockTime(new ScriptNumber(value));

        public override bool CheckOlder(uint value) => _checker.CheckSequence(new ScriptNumber(value));

        public override MiniscriptAvailability SatisfySha256(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup(_input.Sha256Preimages, hash, out preimage);

        public override MiniscriptAvailability SatisfyHash256(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup(_input.Hash256Preimages, hash, out preimage);

        public override MiniscriptAvailability SatisfyRipemd160(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup(_input.Ripemd160Preimages, hash, out preimage);

        public override MiniscriptAvailability SatisfyHash160(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup(_input.Hash160Preimages, hash, out preimage);

        private static MiniscriptAvailability Lookup(IReadOnlyList<PsbtPreimage> preimages, ReadOnlySpan<byte> hash, out byte[] preimage)
        {
            foreach (var p in preimages)
            {
                if (p.Hash.Span.SequenceEqual(hash))
                {
                    preimage = p.Preimage.ToArray();
                    return MiniscriptAvailability.Yes;
                }
            }

            preimage = [];
            return MiniscriptAvailability.No;
        }
    }
}
