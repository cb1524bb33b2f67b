using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Scripts;

/// <summary>Output script templates recognised by Core's Solver (script/solver.h TxoutType).</summary>
public enum ScriptTemplate
{
    /// <summary>Matches no template.</summary>
    NonStandard,

    /// <summary>&lt;pubkey&gt; OP_CHECKSIG.</summary>
    PubKey,

    /// <summary>OP_DUP OP_HASH160 &lt;20&gt; OP_EQUALVERIFY OP_CHECKSIG.</summary>
    PubKeyHash,

    /// <summary>BIP16 OP_HASH160 &lt;20&gt; OP_EQUAL.</summary>
    ScriptHash,

    /// <summary>Bare m-of-n OP_CHECKMULTISIG.</summary>
    Multisig,

    /// <summary>OP_RETURN followed by pushes only.</summary>
    NullData,

    /// <summary>BIP141 P2WPKH: OP_0 &lt;20&gt;.</summary>
    WitnessV0KeyHash,

    /// <summary>BIP141 P2WSH: OP_0 &lt;32&gt;.</summary>
    WitnessV0ScriptHash,

    /// <summary>BIP341 P2TR: OP_1 &lt;32&gt;.</summary>
    WitnessV1Taproot,

    /// <summary>Pay-to-anchor: OP_1 &lt;0x4e73&gt;.</summary>
    Anchor,

    /// <summary>Witness program of a version or length with no defined meaning yet.</summary>
    WitnessUnknown,
}

/// <summary>
/// The result of template matching (Core's Solver): the template and its data, e.g. the hash, the
/// witness program, or for multisig the required count and the keys.
/// </summary>
public sealed class ScriptTemplateMatch
{
    internal ScriptTemplateMatch(ScriptTemplate template, IReadOnlyList<ReadOnlyMemory<byte>> solutions, int requiredSignatures, int witnessVersion)
    {
        Template = template;
        Solutions = solutions;
        RequiredSignatures = requiredSignatures;
        WitnessVersion = witnessVersion;
    }

    /// <summary>The template.</summary>
    public ScriptTemplate Template { get; }

    /// <summary>
    /// Template data: PubKey → [pubkey]; PubKeyHash/ScriptHash → [hash160]; witness types → [program];
    /// Multisig → the public keys; NullData/NonStandard → empty.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Solutions { get; }

    /// <summary>m for multisig, else 0.</summary>
    public int RequiredSignatures { get; }

    /// <summary>Witness version for witness templates, else -1.</summary>
    public int WitnessVersion { get; }
}

/// <summary>Detects and builds the standard output scripts.</summary>
public static class StandardScripts
{
    /// <summary>Core Solver: classifies <paramref name="script"/>.</summary>
    public static ScriptTemplateMatch Solve(Script script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var bytes = script.Memory;
        var s = script.Span;

        // BIP16: shortcut for pay-to-script-hash, checked before anything else as in Core.
        if (script.IsPayToScriptHash)
        {
            return Match(ScriptTemplate.ScriptHash, [bytes.Slice(2, 20)]);
        }

        if (script.IsWitnessProgram(out var version, out var program))
        {
            var prog = bytes[2..];
            if (version == 0 && program.Length == 20)
            {
                return Match(ScriptTemplate.WitnessV0KeyHash, [prog], witnessVersion: 0);
            }

            if (version == 0 && program.Length == 32)
            {
                return Match(ScriptTemplate.WitnessV0ScriptHash, [prog], witnessVersion: 0);
            }

            if (version == 1 && program.Length == 32)
            {
                return Match(ScriptTemplate.WitnessV1Taproot, [prog], witnessVersion: 1);
            }

            if (script.IsPayToAnchor)
            {
                return Match(ScriptTemplate.Anchor, [], witnessVersion: 1);
            }

            // BIP141: other versions are unencumbered (future soft forks); a v0 of other length is invalid.
            return version != 0
                ? Match(ScriptTemplate.WitnessUnknown, [prog], witnessVersion: version)
                : Match(ScriptTemplate.NonStandard, []);
        }

        // Core Solver: provably unspendable data carrier: OP_RETURN then push-only.
        if (s.Length >= 1 && s[0] == (byte)OpcodeType.OP_RETURN && script.IsPushOnly(1))
        {
            return Match(ScriptTemplate.NullData, []);
        }

        if ((s.Length == 35 && s[0] == 33 && s[^1] == (byte)OpcodeType.OP_CHECKSIG && IsValidPubKeySize(s.Slice(1, 33)))
            || (s.Length == 67 && s[0] == 65 && s[^1] == (byte)OpcodeType.OP_CHECKSIG && IsValidPubKeySize(s.Slice(1, 65))))
        {
            return Match(ScriptTemplate.PubKey, [bytes.Slice(1, s.Length - 2)]);
        }

        if (s.Length == 25 && s[0] == (byte)OpcodeType.OP_DUP && s[1] == (byte)OpcodeType.OP_HASH160 && s[2] == 20
            && s[23] == (byte)OpcodeType.OP_EQUALVERIFY && s[24] == (byte)OpcodeType.OP_CHECKSIG)
        {
            return Match(ScriptTemplate.PubKeyHash, [bytes.Slice(3, 20)]);
        }

        if (TryMatchMultisig(script, out var required, out var keys))
        {
            return Match(ScriptTemplate.Multisig, keys, required);
        }

        return Match(ScriptTemplate.NonStandard, []);
    }

    /// <summary>The template of <paramref name="script"/>.</summary>
    public static ScriptTemplate Detect(Script script) => Solve(script).Template;

    /// <summary>&lt;pubkey&gt; OP_CHECKSIG (33- or 65-byte SEC1 key).</summary>
    public static Script PayToPubKey(ReadOnlySpan<byte> serializedPubKey)
    {
        if (!IsValidPubKeySize(serializedPubKey))
        {
            throw new ArgumentException("script: public key must be 33 bytes (02/03) or 65 bytes (04/06/07)", nameof(serializedPubKey));
        }

        return new ScriptBuilder().Push(serializedPubKey).Add(OpcodeType.OP_CHECKSIG).Build();
    }

    /// <summary>&lt;pubkey&gt; OP_CHECKSIG for a typed key (compressed unless asked otherwise).</summary>
    public static Script PayToPubKey(PublicKey key, bool compressed = true) =>
        PayToPubKey(compressed ? key.ToCompressed() : key.ToUncompressed());

    /// <summary>P2PKH for a typed key: HASH160 of its compressed (or uncompressed) encoding.</summary>
    public static Script PayToPubKeyHash(PublicKey key, bool compressed = true)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(compressed ? key.ToCompressed() : key.ToUncompressed(), hash);
        return PayToPubKeyHash(hash);
    }

    /// <summary>BIP141 P2WPKH for a typed key (segwit v0 keys are always compressed).</summary>
    public static Script PayToWitnessPubKeyHash(PublicKey key)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(key.ToCompressed(), hash);
        return PayToWitnessPubKeyHash(hash);
    }

    /// <summary>BIP341 P2TR for a typed (already tweaked) output key.</summary>
    public static Script PayToTaproot(XOnlyPublicKey outputKey) => PayToTaproot(outputKey.ToBytes());

    /// <summary>P2PKH for a HASH160 of a public key.</summary>
    public static Script PayToPubKeyHash(ReadOnlySpan<byte> pubKeyHash160)
    {
        RequireLength(pubKeyHash160, 20, nameof(pubKeyHash160));
        return new ScriptBuilder().Add(OpcodeType.OP_DUP).Add(OpcodeType.OP_HASH160).Push(pubKeyHash160)
            .Add(OpcodeType.OP_EQUALVERIFY).Add(OpcodeType.OP_CHECKSIG).Build();
    }

    /// <summary>BIP16 P2SH for a HASH160 of a redeem script.</summary>
    public static Script PayToScriptHash(ReadOnlySpan<byte> scriptHash160)
    {
        RequireLength(scriptHash160, 20, nameof(scriptHash160));
        return new ScriptBuilder().Add(OpcodeType.OP_HASH160).Push(scriptHash160).Add(OpcodeType.OP_EQUAL).Build();
    }

    /// <summary>BIP16 P2SH paying to <paramref name="redeemScript"/>.</summary>
    public static Script PayToScriptHash(Script redeemScript)
    {
        ArgumentNullException.ThrowIfNull(redeemScript);
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(redeemScript.Span, hash);
        return PayToScriptHash(hash);
    }

    /// <summary>BIP141 P2WPKH.</summary>
    public static Script PayToWitnessPubKeyHash(ReadOnlySpan<byte> pubKeyHash160)
    {
        RequireLength(pubKeyHash160, 20, nameof(pubKeyHash160));
        return WitnessProgram(0, pubKeyHash160);
    }

    /// <summary>BIP141 P2WSH for a SHA256 of a witness script.</summary>
    public static Script PayToWitnessScriptHash(ReadOnlySpan<byte> scriptSha256)
    {
        RequireLength(scriptSha256, 32, nameof(scriptSha256));
        return WitnessProgram(0, scriptSha256);
    }

    /// <summary>BIP141 P2WSH paying to <paramref name="witnessScript"/>.</summary>
    public static Script PayToWitnessScriptHash(Script witnessScript)
    {
        ArgumentNullException.ThrowIfNull(witnessScript);
        Span<byte> hash = stackalloc byte[32];
        Hashes.Sha256(witnessScript.Span, hash);
        return PayToWitnessScriptHash(hash);
    }

    /// <summary>BIP341 P2TR for a 32-byte x-only output key.</summary>
    public static Script PayToTaproot(ReadOnlySpan<byte> xOnlyOutputKey)
    {
        RequireLength(xOnlyOutputKey, 32, nameof(xOnlyOutputKey));
        return WitnessProgram(1, xOnlyOutputKey);
    }

    /// <summary>Pay-to-anchor OP_1 &lt;0x4e73&gt;.</summary>
    public static Script PayToAnchor() => WitnessProgram(1, [0x4e, 0x73]);

    /// <summary>Any witness program: version 0..16, program 2..40 bytes (BIP141).</summary>
    public static Script WitnessProgram(int version, ReadOnlySpan<byte> program)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, 16);
        if (program.Length is < 2 or > 40)
        {
            throw new ArgumentException("script: witness program must be 2..40 bytes (BIP141)", nameof(program));
        }

        return new ScriptBuilder().Add(Script.EncodeOpN(version)).Push(program).Build();
    }

    /// <summary>Bare m-of-n multisig: OP_m &lt;keys&gt; OP_n OP_CHECKMULTISIG (n ≤ 20).</summary>
    public static Script Multisig(int required, IReadOnlyList<ReadOnlyMemory<byte>> serializedPubKeys)
    {
        ArgumentNullException.ThrowIfNull(serializedPubKeys);
        if (required < 1 || required > serializedPubKeys.Count || serializedPubKeys.Count > ConsensusLimits.MaxPubKeysPerMultisig)
        {
            throw new ArgumentException("script: multisig needs 1 <= m <= n <= 20", nameof(required));
        }

        var b = new ScriptBuilder().PushNumber(required);
        foreach (var key in serializedPubKeys)
        {
            if (!IsValidPubKeySize(key.Span))
            {
                throw new ArgumentException("script: multisig key must be 33 or 65 bytes with a valid prefix", nameof(serializedPubKeys));
            }

            b.Push(key.Span);
        }

        return b.PushNumber(serializedPubKeys.Count).Add(OpcodeType.OP_CHECKMULTISIG).Build();
    }

    /// <summary>OP_RETURN followed by data pushes (Core's nulldata).</summary>
    public static Script NullData(params ReadOnlyMemory<byte>[] pushes)
    {
        ArgumentNullException.ThrowIfNull(pushes);
        var b = new ScriptBuilder().Add(OpcodeType.OP_RETURN);
        foreach (var p in pushes)
        {
            b.Push(p.Span);
        }

        return b.Build();
    }

    /// <summary>Core CPubKey::ValidSize: the length implied by the prefix byte matches.</summary>
    public static bool IsValidPubKeySize(ReadOnlySpan<byte> key) =>
        key.Length > 0 && key[0] switch
        {
            2 or 3 => key.Length == 33,
            4 or 6 or 7 => key.Length == 65,
            _ => false,
        };

    private static bool TryMatchMultisig(Script script, out int required, out IReadOnlyList<ReadOnlyMemory<byte>> keys)
    {
        // Core solver.cpp MatchMultisig.
        required = 0;
        keys = [];
        var s = script.Span;
        if (s.Length < 1 || s[^1] != (byte)OpcodeType.OP_CHECKMULTISIG)
        {
            return false;
        }

        var pc = 0;
        if (!script.TryGetOp(ref pc, out var op, out var data) || !TryGetScriptNumber(op, data, 1, ConsensusLimits.MaxPubKeysPerMultisig, out required))
        {
            return false;
        }

        var list = new List<ReadOnlyMemory<byte>>();
        int start;
        while (true)
        {
            start = pc;
            if (!script.TryGetOp(ref pc, out op, out data) || !IsValidPubKeySize(data))
            {
                break;
            }

            list.Add(script.Memory.Slice(pc - data.Length, data.Length));
        }

        _ = start;
        if (!TryGetScriptNumber(op, data, required, ConsensusLimits.MaxPubKeysPerMultisig, out var count) || list.Count != count)
        {
            return false;
        }

        if (pc + 1 != s.Length)
        {
            return false;
        }

        keys = list;
        return true;
    }

    private static bool TryGetScriptNumber(OpcodeType op, ReadOnlySpan<byte> data, int min, int max, out int value)
    {
        value = 0;
        long count;
        if (op >= OpcodeType.OP_1 && op <= OpcodeType.OP_16)
        {
            count = Script.DecodeOpN(op);
        }
        else if (op <= OpcodeType.OP_PUSHDATA4)
        {
            if (!IsMinimalPush(data, op) || !ScriptNumber.TryDecode(data, true, ScriptNumber.DefaultMaxSize, out count))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (count < min || count > max)
        {
            return false;
        }

        value = (int)count;
        return true;
    }

    /// <summary>Core CheckMinimalPush (BIP62 rule 3): the push uses the smallest possible opcode.</summary>
    public static bool IsMinimalPush(ReadOnlySpan<byte> data, OpcodeType op)
    {
        if (data.Length == 0)
        {
            return op == OpcodeType.OP_0;
        }

        if (data.Length == 1 && data[0] >= 1 && data[0] <= 16)
        {
            return false;
        }

        if (data.Length == 1 && data[0] == 0x81)
        {
            return false;
        }

        if (data.Length <= 75)
        {
            return (int)op == data.Length;
        }

        if (data.Length <= 255)
        {
            return op == OpcodeType.OP_PUSHDATA1;
        }

        return data.Length > 65535 || op == OpcodeType.OP_PUSHDATA2;
    }

    private static ScriptTemplateMatch Match(ScriptTemplate t, IReadOnlyList<ReadOnlyMemory<byte>> solutions, int required = 0, int witnessVersion = -1) =>
        new(t, solutions, required, witnessVersion);

    private static void RequireLength(ReadOnlySpan<byte> data, int length, string name)
    {
        if (data.Length != length)
        {
            throw new ArgumentException($"script: {name} must be {length} bytes", name);
        }
    }
}
