using System.Diagnostics.CodeAnalysis;
using System.Buffers.Binary;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>Reads the BIP174 wire format and applies every per-field and whole-PSBT validity rule.</summary>
internal static class PsbtParser
{
    // BIP174: magic bytes "psbt" followed by 0xff.
    internal static ReadOnlySpan<byte> Magic => [0x70, 0x73, 0x62, 0x74, 0xff];

    public static bool TryParse(ReadOnlySpan<byte> data, out Psbt? psbt, out PsbtError? error)
    {
        psbt = null;
        if (data.Length < Magic.Length || !data[..Magic.Length].SequenceEqual(Magic))
        {
            error = new PsbtError(PsbtErrorKind.MissingMagic, "psbt: missing magic bytes 70736274ff", 0);
            return false;
        }

        var reader = new BitcoinReader(data[Magic.Length..]);
        var keys = new KeyCache();
        if (!TryReadMap(ref reader, PsbtMapKind.Global, "global", out var global, out error))
        {
            return false;
        }

        // BIP370: PSBT_GLOBAL_VERSION decides which fields are required/forbidden.
        uint version = 0;
        var versionEntry = global.Get(PsbtKeys.GlobalVersion);
        if (versionEntry is not null)
        {
            if (versionEntry.Value.Length != 4)
            {
                error = new PsbtError(PsbtErrorKind.InvalidField, "psbt: global version value must be 4 bytes", Magic.Length);
                return false;
            }

            version = BinaryPrimitives.ReadUInt32LittleEndian(versionEntry.Value);
            if (version != 0 && version != 2)
            {
                error = new PsbtError(PsbtErrorKind.UnsupportedVersion, $"psbt: global version {version} is not supported (only 0 and 2)", Magic.Length);
                return false;
            }
        }

        if (!ValidateMap(global, "global", version, out error, keys, Magic.Length))
        {
            return false;
        }

        Transaction? unsignedTx = null;
        int inputCount, outputCount;
        if (version == 0)
        {
            // BIP174: PSBT_GLOBAL_UNSIGNED_TX is required in version 0.
            var txEntry = global.Get(PsbtKeys.GlobalUnsignedTx);
            if (txEntry is null)
            {
                error = new PsbtError(PsbtErrorKind.MissingField, "psbt: global unsigned_tx is required in version 0", Magic.Length);
                return false;
            }

            unsignedTx = Transaction.Parse(txEntry.Value, allowWitness: false);
            inputCount = unsignedTx.Inputs.Count;
            outputCount = unsignedTx.Outputs.Count;
        }
        else
        {
            // BIP370: TX_VERSION, INPUT_COUNT and OUTPUT_COUNT are required in version 2.
            foreach (var (type, name) in new[] { (PsbtKeys.GlobalTxVersion, "tx_version"), (PsbtKeys.GlobalInputCount, "input_count"), (PsbtKeys.GlobalOutputCount, "output_count") })
            {
                if (global.Get(type) is null)
                {
                    error = new PsbtError(PsbtErrorKind.MissingField, $"psbt: global {name} is required in version 2");
                    return false;
                }
            }

            var ic = ReadCount(global.Get(PsbtKeys.GlobalInputCount)!.Value);
            var oc = ReadCount(global.Get(PsbtKeys.GlobalOutputCount)!.Value);

            // Each map takes at least its 1-byte separator, so larger counts cannot be satisfied.
            if (ic > (ulong)reader.Remaining || oc > (ulong)reader.Remaining)
            {
                error = new PsbtError(PsbtErrorKind.MissingMap, "psbt: global input_count/output_count exceeds the data available", Magic.Length);
                return false;
            }

            inputCount = (int)ic;
            outputCount = (int)oc;
        }

        if (!TryReadMaps(ref reader, PsbtMapKind.Input, "input", inputCount, version, keys, out var inputs, out error)
            || !TryReadMaps(ref reader, PsbtMapKind.Output, "output", outputCount, version, keys, out var outputs, out error))
        {
            return false;
        }

        if (!reader.IsAtEnd)
        {
            error = new PsbtError(PsbtErrorKind.TrailingBytes, $"psbt: {reader.Remaining} unexpected bytes after the last output map", Magic.Length + reader.Position);
            return false;
        }

        if (!ValidateWhole(global, inputs, outputs, version, unsignedTx, out error))
        {
            return false;
        }

        psbt = new Psbt(global, inputs, outputs, unsignedTx, null);
        return true;
    }

    internal static ulong ReadCount(ReadOnlySpan<byte> value)
    {
        var r = new BitcoinReader(value);
        r.TryReadCompactSize(out var n, rangeCheck: false);
        return n;
    }

    /// <summary>BIP174: one map per input/output of the unsigned transaction (or PSBT_GLOBAL_*_COUNT), each read and validated.</summary>
    private static bool TryReadMaps(ref BitcoinReader reader, PsbtMapKind kind, string name, int count, uint version, KeyCache keys, out PsbtMap[] maps, out PsbtError? error)
    {
        maps = new PsbtMap[count];
        for (var i = 0; i < count; i++)
        {
            if (reader.IsAtEnd)
            {
                error = new PsbtError(PsbtErrorKind.MissingMap, $"psbt: {name} {i} map is missing ({count} {name}s expected)", Magic.Length + reader.Position);
                return false;
            }

            var mapStart = Magic.Length + reader.Position;
            if (!TryReadMap(ref reader, kind, $"{name} {i}", out maps[i], out error)
                || !ValidateMap(maps[i], $"{name} {i}", version, out error, keys, mapStart))
            {
                return false;
            }
        }

        error = null;
        return true;
    }

    private static bool TryReadMap(ref BitcoinReader reader, PsbtMapKind kind, string where, out PsbtMap map, out PsbtError? error)
    {
        map = PsbtMap.Empty(kind);
        var entries = new List<PsbtEntry>();
        HashSet<string>? seen = null;
        while (true)
        {
            var entryStart = Magic.Length + reader.Position;
            if (!reader.TryReadCompactSize(out var keyLength))
            {
                error = new PsbtError(PsbtErrorKind.MalformedMap, $"psbt: {where} map is truncated or has a bad key length: {reader.Error}", entryStart);
                return false;
            }

            if (keyLength == 0)
            {
                break; // BIP174: 0x00 separator ends the map.
            }

            if (!reader.TryReadBytes((int)keyLength, out var key))
            {
                error = new PsbtError(PsbtErrorKind.MalformedMap, $"psbt: {where} key is truncated: {reader.Error}", entryStart);
                return false;
            }

            var keyReader = new BitcoinReader(key);
            if (!keyReader.TryReadCompactSize(out var keyType))
            {
                error = new PsbtError(PsbtErrorKind.MalformedMap, $"psbt: {where} key type is not a valid compact size: {keyReader.Error}", entryStart);
                return false;
            }

            if (!reader.TryReadVarBytes(out var value))
            {
                // Core psbt.h: "Size of value was not the stated size".
                error = new PsbtError(PsbtErrorKind.MalformedMap, $"psbt: {where} {PsbtKeys.Name(kind, keyType)} value size was not the stated size: {reader.Error}", entryStart);
                return false;
            }

            seen ??= [];
            var keyHex = Convert.ToHexString(key);
            if (!seen.Add(keyHex))
            {
                // BIP174: keys within a map must be unique.
                error = new PsbtError(PsbtErrorKind.DuplicateKey, $"psbt: {where} has duplicate key {keyHex.ToLowerInvariant()} ({PsbtKeys.Name(kind, keyType)})", entryStart);
                return false;
            }

            entries.Add(new PsbtEntry(key.ToArray(), value.ToArray(), keyType, keyReader.Position));
        }

        map = new PsbtMap(kind, [.. entries]);
        error = null;
        return true;
    }

    internal static bool ValidateMap(PsbtMap map, string where, uint version, [NotNullWhen(false)] out PsbtError? error, KeyCache? keys = null, int? position = null)
    {
        keys ??= new KeyCache();
        foreach (var e in map.Entries)
        {
            if (!ValidateEntry(map.Kind, e, where, version, out error, keys, position))
            {
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>The per-field rules for one entry of a <paramref name="kind"/> map (<paramref name="where"/> names the map in the error).</summary>
    internal static bool ValidateEntry(PsbtMapKind kind, PsbtEntry entry, string where, uint version, [NotNullWhen(false)] out PsbtError? error, KeyCache? keys = null, int? position = null)
    {
        var rule = ValidateEntry(kind, entry, version, keys ?? new KeyCache());
        error = rule is null ? null : new PsbtError(PsbtErrorKind.InvalidField, $"psbt: {where} {PsbtKeys.Name(kind, entry.KeyType)} {rule}", position);
        return rule is null;
    }

    private static string? ValidateEntry(PsbtMapKind kind, PsbtEntry e, uint version, KeyCache keys)
    {
        var kd = e.KeyData;
        var v = e.Value;
        if (e.KeyType == PsbtKeys.Proprietary)
        {
            // BIP174: 0xFC <compact size identifier length> <identifier> <compact size subtype> <key data>.
            var r = new BitcoinReader(kd);
            return r.TryReadVarBytes(out _) && r.TryReadCompactSize(out _, rangeCheck: false)
                ? null
                : "key must hold an identifier and a subtype";
        }

        if (version == 0 && IsV2Only(kind, e.KeyType))
        {
            // BIP370 fields are excluded from v0; with key data they are not those fields at all,
            // just unknown keys, which Core (v0 only) keeps and round-trips (rpc_psbt.json combiner).
            return kd.IsEmpty ? "is not allowed in version 0 (BIP370)" : null;
        }

        switch (kind)
        {
            case PsbtMapKind.Global:
                switch (e.KeyType)
                {
                    case PsbtKeys.GlobalUnsignedTx:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 0) return "is not allowed in version 2 (BIP370)";
                        if (!Transaction.TryParse(v, out var tx, out var txError, allowWitness: false)) return "is not a valid non-witness serialized transaction: " + txError;
                        for (var i = 0; i < tx.Inputs.Count; i++)
                        {
                            // BIP174: the unsigned transaction's scriptSigs and witnesses must be empty.
                            if (!tx.Inputs[i].ScriptSig.IsEmpty || !tx.Inputs[i].Witness.IsEmpty) return $"input {i} has a non-empty scriptSig or witness";
                        }

                        return null;
                    case PsbtKeys.GlobalXpub:
                        if (kd.Length != ExtPubKey.SerializedLength) return "key must hold a 78-byte serialized extended public key";
                        if (!ExtPubKey.TryRead(kd, out _, out _, out var xpubError)) return "key is not a valid extended public key: " + xpubError;
                        return KeyOriginError(v);
                    case PsbtKeys.GlobalTxVersion:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        if (v.Length != 4) return "value must be 4 bytes";
                        // BIP370: PSBT_GLOBAL_TX_VERSION must be at least 2.
                        return BinaryPrimitives.ReadInt32LittleEndian(v) < 2 ? "must be at least 2" : null;
                    case PsbtKeys.GlobalFallbackLockTime:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        return v.Length != 4 ? "value must be 4 bytes" : null;
                    case PsbtKeys.GlobalInputCount:
                    case PsbtKeys.GlobalOutputCount:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        var cr = new BitcoinReader(v);
                        return cr.TryReadCompactSize(out _, rangeCheck: false) && cr.IsAtEnd ? null : "value must be one canonical compact size";
                    case PsbtKeys.GlobalTxModifiable:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        return v.Length != 1 ? "value must be 1 byte" : null;
                    case PsbtKeys.GlobalVersion:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return v.Length != 4 ? "value must be 4 bytes" : null;
                    default:
                        return null;
                }

            case PsbtMapKind.Input:
                switch (e.KeyType)
                {
                    case PsbtKeys.InNonWitnessUtxo:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return Transaction.TryParse(v, out _, out var utxoError) ? null : "is not a valid transaction: " + utxoError;
                    case PsbtKeys.InWitnessUtxo:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return PsbtCodec.TryReadTxOut(v, out _) ? null : "value must be an 8-byte amount and a script";
                    case PsbtKeys.InPartialSig:
                        if (!keys.PubKey(kd)) return "key must hold a valid 33 or 65 byte public key";
                        // Core psbt.h: the signature must pass CheckSignatureEncoding(DERSIG|STRICTENC).
                        return EcdsaSignatureEncoding.IsStrictEncodedSignature(v) ? null : "value is not a strict DER signature with a defined sighash type";
                    case PsbtKeys.InSighashType:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return v.Length != 4 ? "value must be 4 bytes" : null;
                    case PsbtKeys.InRedeemScript:
                    case PsbtKeys.InWitnessScript:
                    case PsbtKeys.InFinalScriptSig:
                        return kd.IsEmpty ? null : "key must be exactly 1 byte";
                    case PsbtKeys.InFinalScriptWitness:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return Witness.TryParse(v, out _) ? null : "value is not a valid witness stack";
                    case PsbtKeys.InBip32Derivation:
                        if (!keys.PubKey(kd)) return "key must hold a valid 33 or 65 byte public key";
                        return KeyOriginError(v);
                    case PsbtKeys.InRipemd160:
                    case PsbtKeys.InSha256:
                    case PsbtKeys.InHash160:
                    case PsbtKeys.InHash256:
                        return PreimageError(e.KeyType, kd, v);
                    case PsbtKeys.InPreviousTxId:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        return v.Length != 32 ? "value must be 32 bytes" : null;
                    case PsbtKeys.InOutputIndex:
                    case PsbtKeys.InSequence:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        return v.Length != 4 ? "value must be 4 bytes" : null;
                    case PsbtKeys.InRequiredTimeLockTime:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        if (v.Length != 4) return "value must be 4 bytes";
                        // BIP370: a time locktime is at least 500000000.
                        return BinaryPrimitives.ReadUInt32LittleEndian(v) < LockTime.Threshold ? "must be at least 500000000" : null;
                    case PsbtKeys.InRequiredHeightLockTime:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        if (v.Length != 4) return "value must be 4 bytes";
                        // BIP370: a height locktime is greater than 0 and less than 500000000.
                        var h = BinaryPrimitives.ReadUInt32LittleEndian(v);
                        return h == 0 || h >= LockTime.Threshold ? "must be between 1 and 499999999" : null;
                    case PsbtKeys.InTapKeySig:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        // BIP371: a 64 or 65 byte BIP340 signature.
                        return SchnorrSigError(v);
                    case PsbtKeys.InTapScriptSig:
                        // BIP371: key data is the 32-byte x-only key followed by the 32-byte leaf hash.
                        if (kd.Length != 64) return "key must hold a 32-byte x-only key and a 32-byte leaf hash";
                        if (!keys.XOnly(kd[..32])) return "key holds an invalid x-only public key";
                        return SchnorrSigError(v);
                    case PsbtKeys.InTapLeafScript:
                        // BIP341: a control block is 33 + 32m bytes with m <= 128.
                        if (kd.Length < 33 || (kd.Length - 33) % 32 != 0 || (kd.Length - ControlBlock.BaseSize) / ControlBlock.NodeSize > ConsensusLimits.TaprootControlMaxNodeCount) return "key must hold a control block of 33 + 32m bytes (m <= 128)";
                        if (!keys.XOnly(kd.Slice(1, 32))) return "control block holds an invalid internal key";
                        if (v.IsEmpty) return "value must hold a script and a leaf version";
                        // BIP371: the value's leaf version matches the control block's.
                        return (v[^1] & 0xfe) != v[^1] || v[^1] != (kd[0] & 0xfe) ? "leaf version does not match the control block" : null;
                    case PsbtKeys.InTapBip32Derivation:
                        if (kd.Length != 32 || !keys.XOnly(kd)) return "key must hold a valid 32-byte x-only public key";
                        return TapKeyOriginError(v);
                    case PsbtKeys.InTapInternalKey:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return v.Length == 32 && keys.XOnly(v) ? null : "value must be a valid 32-byte x-only public key";
                    case PsbtKeys.InTapMerkleRoot:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return v.Length != 32 ? "value must be 32 bytes" : null;
                    case PsbtKeys.InMusig2ParticipantPubkeys:
                        return MusigParticipantsError(kd, v, keys);
                    case PsbtKeys.InMusig2PubNonce:
                        // BIP373: key = participant key (33) + aggregate key (33) + optional leaf hash (32).
                        if (kd.Length != 66 && kd.Length != 98) return "key is not the expected size (1 + 33 + 33 [+ 32] bytes)";
                        return v.Length != 66 ? "value must be 66 bytes" : null;
                    case PsbtKeys.InMusig2PartialSig:
                        if (kd.Length != 66 && kd.Length != 98) return "key is not the expected size (1 + 33 + 33 [+ 32] bytes)";
                        return v.Length != 32 ? "value must be 32 bytes" : null;
                    default:
                        return null;
                }

            default:
                switch (e.KeyType)
                {
                    case PsbtKeys.OutRedeemScript:
                    case PsbtKeys.OutWitnessScript:
                        return kd.IsEmpty ? null : "key must be exactly 1 byte";
                    case PsbtKeys.OutBip32Derivation:
                        if (!keys.PubKey(kd)) return "key must hold a valid 33 or 65 byte public key";
                        return KeyOriginError(v);
                    case PsbtKeys.OutAmount:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        if (version != 2) return "is only allowed in version 2 (BIP370)";
                        return v.Length != 8 ? "value must be 8 bytes" : null;
                    case PsbtKeys.OutScript:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return version != 2 ? "is only allowed in version 2 (BIP370)" : null;
                    case PsbtKeys.OutTapInternalKey:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return v.Length == 32 && keys.XOnly(v) ? null : "value must be a valid 32-byte x-only public key";
                    case PsbtKeys.OutTapTree:
                        if (!kd.IsEmpty) return "key must be exactly 1 byte";
                        return PsbtCodec.TryReadTapTree(v, out _, out var treeError) ? null : treeError;
                    case PsbtKeys.OutTapBip32Derivation:
                        if (kd.Length != 32 || !keys.XOnly(kd)) return "key must hold a valid 32-byte x-only public key";
                        return TapKeyOriginError(v);
                    case PsbtKeys.OutMusig2ParticipantPubkeys:
                        return MusigParticipantsError(kd, v, keys);
                    default:
                        return null;
                }
        }
    }

    internal static bool IsV2Only(PsbtMapKind kind, ulong type) => kind switch
    {
        PsbtMapKind.Global => type is >= PsbtKeys.GlobalTxVersion and <= PsbtKeys.GlobalTxModifiable,
        PsbtMapKind.Input => type is >= PsbtKeys.InPreviousTxId and <= PsbtKeys.InRequiredHeightLockTime,
        _ => type is PsbtKeys.OutAmount or PsbtKeys.OutScript,
    };

    private static string? KeyOriginError(ReadOnlySpan<byte> v) =>
        // BIP174: <4-byte fingerprint> <32-bit little-endian index>*.
        v.Length < 4 || v.Length % 4 != 0 ? "value must be a 4-byte fingerprint followed by 4-byte path elements" : null;

    private static string? TapKeyOriginError(ReadOnlySpan<byte> v)
    {
        // BIP371: <compact size leaf hash count> <32-byte leaf hash>* <4-byte fingerprint> <path>.
        var r = new BitcoinReader(v);
        if (!r.TryReadCompactSize(out var n) || n > (ulong)(r.Remaining / 32) || !r.TryReadBytes((int)n * 32, out _))
        {
            return "value has an invalid length (leaf hash list)";
        }

        return r.Remaining < 4 || r.Remaining % 4 != 0 ? "value has an invalid length (key origin)" : null;
    }

    private static string? SchnorrSigError(ReadOnlySpan<byte> v)
    {
        if (v.Length != 64 && v.Length != 65) return "value must be a 64 or 65 byte signature";
        // BIP341: a 65-byte signature with sighash byte 0x00 is invalid (0 must be implicit).
        return v.Length == 65 && v[64] == 0 ? "value is a 65-byte signature with explicit SIGHASH_DEFAULT" : null;
    }

    private static string? MusigParticipantsError(ReadOnlySpan<byte> kd, ReadOnlySpan<byte> v, KeyCache keys)
    {
        // BIP373: key = aggregate key (33 bytes); value = participant keys, 33 bytes each.
        if (kd.Length != 33) return "aggregate key is not 34 bytes";
        if (v.Length == 0 || v.Length % 33 != 0) return "value size is not a multiple of 33";
        if (!keys.PubKey(kd)) return "aggregate key is not a valid public key";
        for (var i = 0; i < v.Length; i += 33)
        {
            if (!keys.PubKey(v.Slice(i, 33))) return $"participant {i / 33} is not a valid public key";
        }

        return null;
    }

    private static string? PreimageError(ulong type, ReadOnlySpan<byte> kd, ReadOnlySpan<byte> v)
    {
        var size = type is PsbtKeys.InRipemd160 or PsbtKeys.InHash160 ? 20 : 32;
        if (kd.Length != size) return $"key must hold a {size}-byte hash";
        Span<byte> h = stackalloc byte[32];
        switch (type)
        {
            case PsbtKeys.InRipemd160: Hashes.Ripemd160(v, h); break;
            case PsbtKeys.InSha256: Hashes.Sha256(v, h); break;
            case PsbtKeys.InHash160: Hashes.Hash160(v, h); break;
            default: Hashes.Hash256(v, h); break;
        }

        // Core psbt.h: "Provided ... preimage does not match the hash".
        return h[..size].SequenceEqual(kd) ? null : "preimage does not match its hash";
    }

    private static bool ValidateWhole(PsbtMap global, PsbtMap[] inputs, PsbtMap[] outputs, uint version, Transaction? unsignedTx, out PsbtError? error)
    {
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!ValidateInput(i, inputs[i], version, unsignedTx, out error))
            {
                return false;
            }
        }

        if (version == 2)
        {
            for (var i = 0; i < outputs.Length; i++)
            {
                // BIP370: AMOUNT and SCRIPT are required for every output.
                if (outputs[i].Get(PsbtKeys.OutAmount) is null || outputs[i].Get(PsbtKeys.OutScript) is null)
                {
                    error = new PsbtError(PsbtErrorKind.MissingField, $"psbt: output {i} {(outputs[i].Get(PsbtKeys.OutAmount) is null ? "amount" : "script")} is required in version 2");
                    return false;
                }
            }
        }

        _ = global;
        error = null;
        return true;
    }

    /// <summary>The whole-PSBT rules of input <paramref name="i"/>: its outpoint (BIP370 fields in version 2) and its non-witness UTXO against that outpoint.</summary>
    internal static bool ValidateInput(int i, PsbtMap map, uint version, Transaction? unsignedTx, [NotNullWhen(false)] out PsbtError? error)
    {
        OutPoint prevout;
        if (version == 0)
        {
            prevout = unsignedTx!.Inputs[i].PrevOut;
        }
        else
        {
            // BIP370: PREVIOUS_TXID and OUTPUT_INDEX are required for every input.
            var txid = map.Get(PsbtKeys.InPreviousTxId);
            var index = map.Get(PsbtKeys.InOutputIndex);
            if (txid is null || index is null)
            {
                error = new PsbtError(PsbtErrorKind.MissingField, $"psbt: input {i} {(txid is null ? "previous_txid" : "output_index")} is required in version 2");
                return false;
            }

            prevout = new OutPoint(TxId.FromBytes(txid.Value), BinaryPrimitives.ReadUInt32LittleEndian(index.Value));
        }

        var nwu = map.Get(PsbtKeys.InNonWitnessUtxo);
        if (nwu is not null)
        {
            var prev = Transaction.Parse(nwu.Value);
            // Core psbt.h: "Non-witness UTXO does not match outpoint hash".
            if (prev.GetTxId() != prevout.TxId)
            {
                error = new PsbtError(PsbtErrorKind.UtxoMismatch, $"psbt: input {i} non_witness_utxo txid {prev.GetTxId()} does not match the spent outpoint {prevout.TxId}");
                return false;
            }

            if (prevout.Index >= prev.Outputs.Count)
            {
                error = new PsbtError(PsbtErrorKind.UtxoMismatch, $"psbt: input {i} spends output {prevout.Index} but non_witness_utxo has {prev.Outputs.Count} outputs");
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Remembers keys already found on the curve during one parse: a PSBT repeats each key in
    /// partial_sig, bip32_derivation and scripts, and point decompression dominates parse time.
    /// </summary>
    internal sealed class KeyCache
    {
        private readonly HashSet<string> _valid = [];

        public bool PubKey(ReadOnlySpan<byte> key) =>
            (key.Length == 33 || key.Length == 65) && Check(key, static k => PublicKey.TryParse(k, out _));

        public bool XOnly(ReadOnlySpan<byte> key) =>
            key.Length == 32 && Check(key, static k => XOnlyPublicKey.TryParse(k, out _));

        private bool Check(ReadOnlySpan<byte> key, KeyCheck check)
        {
            var hex = Convert.ToHexString(key);
            if (_valid.Contains(hex))
            {
                return true;
            }

            if (!check(key))
            {
                return false;
            }

            _valid.Add(hex);
            return true;
        }

        private delegate bool KeyCheck(ReadOnlySpan<byte> key);
    }
}
