using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>
/// Everything a wallet needs to spend (or describe to a signer) the output a descriptor produces at one
/// index: the scripts (BIP174 redeem/witness scripts), every key with its BIP32 origin (what PSBT
/// updaters write as PSBT_IN_BIP32_DERIVATION / PSBT_IN_TAP_BIP32_DERIVATION), the taproot tree and the
/// size of a satisfying scriptSig and witness, for fee estimation before signing.
/// </summary>
public sealed class DescriptorSpendInfo
{
    internal DescriptorSpendInfo(Script scriptPubKey)
    {
        ScriptPubKey = scriptPubKey;
    }

    /// <summary>The output script.</summary>
    public Script ScriptPubKey { get; }

    /// <summary>The P2SH redeem script (sh), or null.</summary>
    public Script? RedeemScript { get; internal set; }

    /// <summary>The P2WSH witness script (wsh), or null.</summary>
    public Script? WitnessScript { get; internal set; }

    /// <summary>ECDSA keys with their origins (every key of non-taproot scripts).</summary>
    public IReadOnlyList<PsbtKeyOrigin> KeyOrigins { get; internal set; } = [];

    /// <summary>For tr(): internal key, merkle root, leaves and their control blocks; null otherwise.</summary>
    public TaprootSpendInfo? Taproot { get; internal set; }

    /// <summary>For tr(): x-only keys with the leaf hashes they appear in (none for the internal key) and origins.</summary>
    public IReadOnlyList<PsbtTapKeyOrigin> TapKeyOrigins { get; internal set; } = [];

    /// <summary>True when the input is spent with witness data (segwit v0/v1, including P2SH-wrapped).</summary>
    public bool IsSegwit { get; internal set; }

    /// <summary>False for raw()/addr() and scripts the wallet cannot build a satisfaction for.</summary>
    public bool IsSolvable { get; internal set; }

    /// <summary>Largest scriptSig of a satisfying input, in bytes (without its length prefix).</summary>
    public int MaxScriptSigSize { get; internal set; }

    /// <summary>
    /// Largest witness of a satisfying input in bytes, including the stack item count (0 for non-segwit).
    /// ECDSA signatures count 72 bytes with the sighash byte and length (low-R grinding, as Core assumes
    /// for its own keys); Schnorr signatures 65 plus length. For tr(), the key path when
    /// <c>keyPathOnly</c> was asked, otherwise the costliest of the key path and every leaf.
    /// </summary>
    public int MaxWitnessSize { get; internal set; }

    /// <summary>
    /// Weight of the whole signed input: outpoint, sequence, scriptSig with its length (times four) plus
    /// the witness (Core spend.cpp MaxInputWeight); for a non-segwit input in a segwit transaction add 1
    /// for its empty witness.
    /// </summary>
    public int MaxInputWeight => ((32 + 4 + 4 + CompactSize.GetSize((ulong)MaxScriptSigSize) + MaxScriptSigSize) * 4) + MaxWitnessSize;

    /// <summary>
    /// BIP174/BIP371 Updater: writes this output's redeem and witness scripts, BIP32 key origins and
    /// Taproot fields (internal key, merkle root, leaf scripts with control blocks, tap key origins)
    /// into input <paramref name="input"/> of <paramref name="psbt"/>. The UTXO fields stay the
    /// caller's choice (witness UTXO, full previous transaction or both).
    /// </summary>
    public PsbtDocument UpdateInput(PsbtDocument psbt, int input)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        if (RedeemScript is { } redeem)
        {
            psbt = psbt.WithRedeemScript(input, redeem);
        }

        if (WitnessScript is { } witnessScript)
        {
            psbt = psbt.WithWitnessScript(input, witnessScript);
        }

        foreach (var origin in KeyOrigins)
        {
            psbt = psbt.WithBip32Derivation(input, origin.PublicKey, origin.Origin, origin.IsCompressed);
        }

        if (Taproot is { } taproot)
        {
            psbt = psbt.WithTapInternalKey(input, taproot.InternalKey);
            if (taproot.MerkleRoot is { } root)
            {
                psbt = psbt.WithTapMerkleRoot(input, root);
            }

            foreach (var leaf in taproot.Leaves)
            {
                psbt = psbt.WithTapLeafScript(input, leaf.ControlBlock, leaf.Script);
            }
        }

        foreach (var origin in TapKeyOrigins)
        {
            psbt = psbt.WithTapBip32Derivation(input, origin.Key, origin.LeafHashes, origin.Origin);
        }

        return psbt;
    }
}

/// <summary>A private key a descriptor holds, with the BIP32 origin of the key it is.</summary>
/// <param name="ExtKey">An extended private key (null for a WIF key).</param>
/// <param name="Key">A WIF private key (null for an extended key).</param>
/// <param name="Origin">Master fingerprint and path of <paramref name="ExtKey"/>.</param>
public sealed record DescriptorSecret(ExtKey? ExtKey, SecretKey? Key, RootedKeyPath? Origin) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        ExtKey?.Dispose();
        Key?.Dispose();
    }
}

public abstract partial class Descriptor
{
    // ECDSA signature element with low-R grinding: up to 70 DER bytes + 1 sighash byte, plus its length byte (Core descriptor.cpp: 1 + 71).
    private const int EcdsaSigElement = 1 + 71;

    // BIP340 signature with a non-default sighash byte, plus its length byte (Core descriptor.cpp: 1 + 65).
    private const int SchnorrSigElement = 1 + 65;

    /// <summary>
    /// The spending information for index <paramref name="index"/> (ignored when the descriptor is not
    /// ranged). With <paramref name="keyPathOnly"/> a tr() output is assumed to be spent through its key
    /// path (the wallet holds the internal key); otherwise the size covers every spending path.
    /// </summary>
    /// <exception cref="InvalidOperationException">A multipath descriptor (expand it first).</exception>
    public DescriptorSpendInfo GetSpendInfo(uint index, bool keyPathOnly = false)
    {
        var spk = GetScriptPubKey(index);
        var info = new DescriptorSpendInfo(spk) { IsSolvable = IsSolvable };
        var keys = new List<PsbtKeyOrigin>();
        switch (this)
        {
            case TaprootDescriptor tr:
                FillTaproot(tr, index, keyPathOnly, info);
                return info;
            case WrapperDescriptor { Type: DescriptorType.Sh } sh:
            {
                var redeem = sh.GetInnerScript(index);
                info.RedeemScript = redeem;
                if (sh.Inner is WrapperDescriptor { Type: DescriptorType.Wsh } wsh)
                {
                    var witnessScript = wsh.GetInnerScript(index);
                    info.WitnessScript = witnessScript;
                    info.IsSegwit = true;
                    info.MaxScriptSigSize = PushSize(redeem.Length);
                    info.MaxWitnessSize = WitnessSize(InnerSatisfaction(wsh.Inner, index, keys, out _, witnessScript));
                }
                else if (sh.Inner is SingleKeyDescriptor { Type: DescriptorType.Wpkh } wpkh)
                {
                    info.IsSegwit = true;
                    info.MaxScriptSigSize = PushSize(redeem.Length);
                    info.MaxWitnessSize = WitnessSize(InnerSatisfaction(wpkh, index, keys, out _, null));
                }
                else
                {
                    var items = InnerSatisfaction(sh.Inner, index, keys, out _, null);
                    info.MaxScriptSigSize = items.Sum() + PushSize(redeem.Length);
                }

                break;
            }

            case WrapperDescriptor { Type: DescriptorType.Wsh } wshTop:
            {
                var witnessScript = wshTop.GetInnerScript(index);
                info.WitnessScript = witnessScript;
                info.IsSegwit = true;
                info.MaxWitnessSize = WitnessSize(InnerSatisfaction(wshTop.Inner, index, keys, out _, witnessScript));
                break;
            }

            case SingleKeyDescriptor { Type: DescriptorType.Wpkh } wpkhTop:
                info.IsSegwit = true;
                info.MaxWitnessSize = WitnessSize(InnerSatisfaction(wpkhTop, index, keys, out _, null));
                break;
            case RawDescriptor:
                break;
            default:
                info.MaxScriptSigSize = InnerSatisfaction(this, index, keys, out _, null).Sum();
                break;
        }

        info.KeyOrigins = keys;
        return info;
    }

    /// <summary>
    /// The private keys this descriptor holds, as independent copies the caller must dispose (the
    /// descriptor keeps its own). Used by key stores to sign PSBT inputs whose derivation paths lead to them.
    /// </summary>
    public IReadOnlyList<DescriptorSecret> GetSecrets()
    {
        var result = new List<DescriptorSecret>();
        foreach (var key in AllKeys.SelectMany(Flatten))
        {
            switch (key)
            {
                case ExtendedKeyExpression { PrivateExtKey: { } xprv } ext:
                    result.Add(new DescriptorSecret(xprv.Clone(), null, ext.Origin ?? new RootedKeyPath(xprv.Fingerprint, KeyPath.Root)));
                    break;
                case ConstKeyExpression { WifKey: { } wif } c:
                {
                    Span<byte> copy = stackalloc byte[SecretKey.Size];
                    wif.PrivateKey.WriteTo(copy);
                    result.Add(new DescriptorSecret(null, SecretKey.Create(copy), c.Origin));
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(copy);
                    break;
                }

            }
        }

        return result;

        static IEnumerable<KeyExpression> Flatten(KeyExpression k) => k is MusigKeyExpression m ? m.Participants.SelectMany(Flatten) : [k];
    }

    /// <summary>The origin of a key expression's key at an index (Core: the key's own fingerprint when no origin is written).</summary>
    internal static RootedKeyPath OriginOf(KeyExpression key, uint index, int path, PublicKey derived)
    {
        switch (key)
        {
            case ExtendedKeyExpression ext:
            {
                var steps = ext.Path.Select(s => s.Select(path)).ToList();
                if (ext.DeriveType == DeriveType.Unhardened)
                {
                    steps.Add(index);
                }
                else if (ext.DeriveType == DeriveType.Hardened)
                {
                    steps.Add(KeyPath.Harden(index));
                }

                var suffix = new KeyPath([.. steps]);
                return ext.Origin is { } o ? o.Derive(suffix) : new RootedKeyPath(ext.ExtPubKey.Fingerprint, suffix);
            }

            default:
                if (key.Origin is { } origin)
                {
                    return origin;
                }

                Span<byte> h = stackalloc byte[20];
                Hashes.Hash160(derived.ToCompressed(), h);
                return new RootedKeyPath(new KeyFingerprint(h[..4]), KeyPath.Root);
        }
    }

    private static int PushSize(int length) => CompactSizeOfPush(length) + length;

    // A data push in a script: opcode (and length bytes) + data (BIP62 minimal pushes).
    private static int CompactSizeOfPush(int length) => length < 0x4c ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : 5;

    // Witness stack: item count + each item with its compact-size length.
    private static int WitnessSize(IReadOnlyList<int> items) => CompactSize.GetSize((ulong)items.Count) + items.Sum();

    /// <summary>
    /// The items (each with its length prefix) that satisfy <paramref name="inner"/>; when
    /// <paramref name="witnessScript"/> is given, the items are witness items and the script itself is
    /// appended as the last one.
    /// </summary>
    private static List<int> InnerSatisfaction(Descriptor inner, uint index, List<PsbtKeyOrigin> keys, out bool solvable, Script? witnessScript)
    {
        solvable = true;
        var items = new List<int>();
        switch (inner)
        {
            case SingleKeyDescriptor single:
            {
                var derived = single.Key.Derive(index, 0);
                keys.Add(new PsbtKeyOrigin(derived.Key, derived.Compressed, OriginOf(single.Key, index, 0, derived.Key)));
                items.Add(EcdsaSigElement);
                if (single.Type is DescriptorType.Pkh or DescriptorType.Wpkh)
                {
                    items.Add(1 + (derived.Compressed ? 33 : 65));
                }

                break;
            }

            case MultisigDescriptor multi:
                // BIP147 NULLDUMMY: CHECKMULTISIG consumes one extra (empty) element.
                items.Add(1);
                foreach (var k in multi.Keys)
                {
                    var derived = k.Derive(index, 0);
                    keys.Add(new PsbtKeyOrigin(derived.Key, derived.Compressed, OriginOf(k, index, 0, derived.Key)));
                }

                for (var i = 0; i < multi.Threshold; i++)
                {
                    items.Add(EcdsaSigElement);
                }

                break;
            case MiniscriptDescriptor ms:
            {
                foreach (var k in ms.Keys)
                {
                    var derived = k.Derive(index, 0);
                    keys.Add(new PsbtKeyOrigin(derived.Key, derived.Compressed, OriginOf(k, index, 0, derived.Key)));
                }

                items.AddRange(MiniscriptItems(ms));
                break;
            }

            default:
                solvable = false;
                break;
        }

        if (witnessScript is not null)
        {
            // Witness items carry compact-size lengths; a script push in a scriptSig carries an opcode length.
            items = [.. items.Select(i => i), CompactSize.GetSize((ulong)witnessScript.Length) + witnessScript.Length];
        }

        return items;
    }

    /// <summary>
    /// A miniscript's worst-case witness as item sizes: Core bounds the element count
    /// (MaxSatisfactionElems) and the total size (MaxSatSize, high-R ECDSA signatures) separately, so
    /// this is that many elements carrying that many bytes in total.
    /// </summary>
    private static List<int> MiniscriptItems(MiniscriptDescriptor ms)
    {
        var count = Math.Max(ms.MaxSatisfactionElements, 1);
        var items = Enumerable.Repeat(1, count).ToList();
        items[0] = Math.Max(1, ms.MaxSatisfactionSize - (count - 1));
        return items;
    }

    private static void FillTaproot(TaprootDescriptor tr, uint index, bool keyPathOnly, DescriptorSpendInfo info)
    {
        info.IsSegwit = true;
        var internalDerived = tr.InternalKey.Derive(index, 0);
        var internalKey = internalDerived.Key.ToXOnly(out _);
        var tapKeys = new Dictionary<string, (XOnlyPublicKey Key, List<TapLeafHash> Leaves, RootedKeyPath Origin)>(StringComparer.Ordinal);
        void AddTapKey(XOnlyPublicKey key, TapLeafHash? leaf, RootedKeyPath origin)
        {
            var id = Hex.Encode(key.ToBytes());
            if (!tapKeys.TryGetValue(id, out var entry))
            {
                tapKeys[id] = entry = (key, [], origin);
            }

            if (leaf is { } l && !entry.Leaves.Contains(l))
            {
                entry.Leaves.Add(l);
            }
        }

        if (tr.Type == DescriptorType.RawTr)
        {
            AddTapKey(internalKey, null, OriginOf(tr.InternalKey, index, 0, internalDerived.Key));
            info.MaxWitnessSize = 1 + SchnorrSigElement;
            info.TapKeyOrigins = [.. tapKeys.Values.Select(v => new PsbtTapKeyOrigin(v.Key, v.Leaves, v.Origin))];
            return;
        }

        var builder = new TaprootBuilder();
        tr.Tree?.AddTo(builder, index, 0);
        var spend = builder.Finalize(internalKey);
        info.Taproot = spend;
        AddTapKey(internalKey, null, OriginOf(tr.InternalKey, index, 0, internalDerived.Key));

        // Key path: one Schnorr signature (BIP341).
        var max = 1 + SchnorrSigElement;
        if (tr.Tree is not null)
        {
            var leafDescriptors = tr.Tree.Leaves.ToList();
            for (var i = 0; i < leafDescriptors.Count; i++)
            {
                var leafDescriptor = leafDescriptors[i];
                var leafScript = new Script(leafDescriptor.BuildScript(index, tapscript: true));
                var leafInfo = spend.Leaves.First(l => l.Script == leafScript);
                var leafItems = new List<int>();
                switch (leafDescriptor)
                {
                    case SingleKeyDescriptor single:
                    {
                        var d = single.Key.Derive(index, 0);
                        AddTapKey(d.Key.ToXOnly(out _), leafInfo.LeafHash, OriginOf(single.Key, index, 0, d.Key));
                        leafItems.Add(SchnorrSigElement);
                        if (single.Type == DescriptorType.Pkh)
                        {
                            leafItems.Add(1 + 32);
                        }

                        break;
                    }

                    case MultisigDescriptor multi:
                    {
                        foreach (var k in multi.Keys)
                        {
                            var d = k.Derive(index, 0);
                            AddTapKey(d.Key.ToXOnly(out _), leafInfo.LeafHash, OriginOf(k, index, 0, d.Key));
                        }

                        // BIP387 multi_a: one element per key, a signature for k of them and an empty vector for the rest.
                        for (var j = 0; j < multi.Keys.Count; j++)
                        {
                            leafItems.Add(j < multi.Threshold ? SchnorrSigElement : 1);
                        }

                        break;
                    }

                    case MiniscriptDescriptor ms:
                    {
                        foreach (var k in ms.Keys)
                        {
                            var d = k.Derive(index, 0);
                            AddTapKey(d.Key.ToXOnly(out _), leafInfo.LeafHash, OriginOf(k, index, 0, d.Key));
                        }

                        leafItems = MiniscriptItems(ms);
                        break;
                    }

                    default:
                        leafItems = [];
                        break;
                }

                // BIP341 script path: the script and the control block are the last two witness items.
                leafItems.Add(CompactSize.GetSize((ulong)leafScript.Length) + leafScript.Length);
                var cb = leafInfo.ControlBlock.Length;
                leafItems.Add(CompactSize.GetSize((ulong)cb) + cb);
                if (!keyPathOnly)
                {
                    max = Math.Max(max, WitnessSize(leafItems));
                }
            }
        }

        info.MaxWitnessSize = max;
        info.TapKeyOrigins = [.. tapKeys.Values.Select(v => new PsbtTapKeyOrigin(v.Key, v.Leaves, v.Origin))];
    }
}
