using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport.Native;

namespace OPSource.Fuzz.Targets;

/// <summary>
/// DER/compact ECDSA signatures and SEC1/x-only public keys, differentially against Debian's
/// libsecp256k1 when it is installed (scripts/setup.sh installs it).
/// </summary>
internal static class CryptoTargets
{
    public static FuzzTarget Signature { get; } = new(
        "signature",
        "selector byte: 0 strict DER (same verdict and value as libsecp256k1's parse_der; DER(parse(x)) == x unless r or s overflowed), 1 lax DER (Core's parse_der_lax; its DER re-parses strictly to the same value), 2 compact (same verdict as libsecp256k1 at every length; compact and DER forms equal libsecp's), 3 BIP66/STRICTENC/LOW_S checks (a BIP66-valid signature parses strictly)",
        RunSignature,
        SignatureSeeds);

    public static FuzzTarget PublicKey { get; } = new(
        "pubkey",
        "selector byte: 0 SEC1 (PublicKey.TryParse has libsecp256k1's verdict and serializations), 1 x-only (XOnlyPublicKey.TryParse has libsecp's verdict), 2 Core's pubkey-encoding checks under every signature version",
        RunPublicKey,
        PublicKeySeeds);

    private static readonly bool Native = LibSecp256k1.IsAvailable;

    private static void RunSignature(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 4;
        var data = reader.Rest();
        switch (selector)
        {
            case 0:
                {
                    var ok = EcdsaSignature.TryParseDer(data, out var signature);
                    if (Native)
                    {
                        var expected = LibSecp256k1.EcdsaParseDer(data);
                        FuzzOracleException.Check(ok == expected is not null, $"strict DER verdict {ok} differs from libsecp256k1");
                        if (ok)
                        {
                            FuzzOracleException.Equal(expected, signature.ToCompact(), "strict DER value vs libsecp256k1");
                        }
                    }

                    // libsecp256k1 parses an overflowing or negative integer as 0: no round trip then.
                    var value = signature.ToCompact();
                    if (ok && (!value.AsSpan(0, 32).ContainsAnyExcept((byte)0) || !value.AsSpan(32).ContainsAnyExcept((byte)0)))
                    {
                        break;
                    }

                    if (ok)
                    {
                        FuzzOracleException.Equal(data, signature.ToDer(), "DER(parse(x))");
                    }

                    break;
                }

            case 1:
                if (EcdsaSignature.TryParseDerLax(data, out var lax))
                {
                    var der = lax.ToDer();
                    FuzzOracleException.Check(EcdsaSignature.TryParseDer(der, out var strict) && strict == lax, "lax value's DER does not parse strictly to the same value");
                    _ = lax.NormalizeS().IsLowS;
                }

                break;
            case 2:
                {
                    var ok = EcdsaSignature.TryParseCompact(data, out var compact);
                    if (Native)
                    {
                        var der = LibSecp256k1.EcdsaCompactToDer(data);
                        FuzzOracleException.Check(ok == der is not null, $"compact verdict {ok} differs from libsecp256k1");
                        if (ok)
                        {
                            FuzzOracleException.Equal(der, compact.ToDer(), "DER of a compact signature vs libsecp256k1");
                        }
                    }

                    if (ok)
                    {
                        FuzzOracleException.Equal(data, compact.ToCompact(), "compact(parse(x))");
                    }

                    break;
                }

            default:
                {
                    var bip66 = EcdsaSignatureEncoding.IsValidSignatureEncoding(data);
                    _ = EcdsaSignatureEncoding.IsDefinedHashtypeSignature(data);
                    _ = EcdsaSignatureEncoding.IsStrictEncodedSignature(data);
                    _ = SignatureEncoding.IsLowDerSignature(data, out _);
                    foreach (var flags in (ReadOnlySpan<ScriptVerifyFlags>)[ScriptVerifyFlags.NONE, ScriptFlags.Mandatory, ScriptFlags.Standard])
                    {
                        var ok = SignatureEncoding.CheckSignatureEncoding(data, flags, out var error);
                        FuzzOracleException.Check(ok == (error == ScriptError.OK), "CheckSignatureEncoding result and error disagree");
                    }

                    // BIP66 DER (hash type byte excluded) is also strict DER as libsecp256k1 reads it.
                    if (bip66)
                    {
                        FuzzOracleException.Check(EcdsaSignature.TryParseDer(data[..^1], out _), "a BIP66-valid signature does not parse as strict DER");
                    }

                    break;
                }
        }
    }

    private static void RunPublicKey(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 3;
        var data = reader.Rest();
        switch (selector)
        {
            case 0:
                {
                    var ok = Crypto.Secp256k1.PublicKey.TryParse(data, out var key);
                    if (Native)
                    {
                        var compressed = LibSecp256k1.PubKeyParse(data, compressed: true);
                        FuzzOracleException.Check(ok == compressed is not null, $"SEC1 verdict {ok} differs from libsecp256k1");
                        if (ok)
                        {
                            FuzzOracleException.Equal(compressed, key.ToCompressed(), "compressed serialization vs libsecp256k1");
                            FuzzOracleException.Equal(LibSecp256k1.PubKeyParse(data, compressed: false), key.ToUncompressed(), "uncompressed serialization vs libsecp256k1");
                        }
                    }

                    if (ok && data.Length == 33)
                    {
                        FuzzOracleException.Equal(data, key.ToCompressed(), "compressed(parse(x))");
                    }
                    else if (ok && data[0] == 0x04)
                    {
                        FuzzOracleException.Equal(data, key.ToUncompressed(), "uncompressed(parse(x))");
                    }

                    if (ok)
                    {
                        var xonly = key.ToXOnly(out _);
                        FuzzOracleException.Check(XOnlyPublicKey.TryParse(xonly.ToBytes(), out var again) && again == xonly, "x-only round trip");
                    }

                    break;
                }

            case 1:
                {
                    var ok = XOnlyPublicKey.TryParse(data, out var xonly);
                    if (Native && data.Length == 32)
                    {
                        FuzzOracleException.Check(ok == LibSecp256k1.XOnlyParse(data), $"x-only verdict {ok} differs from libsecp256k1");
                    }

                    if (ok)
                    {
                        FuzzOracleException.Equal(data, xonly.ToBytes(), "x-only(parse(x))");
                    }

                    break;
                }

            default:
                _ = SignatureEncoding.IsCompressedOrUncompressedPubKey(data);
                _ = SignatureEncoding.IsCompressedPubKey(data);
                _ = StandardScripts.IsValidPubKeySize(data);
                foreach (var version in Enum.GetValues<SigVersion>())
                {
                    var ok = SignatureEncoding.CheckPubKeyEncoding(data, ScriptFlags.Standard, version, out var error);
                    FuzzOracleException.Check(ok == (error == ScriptError.OK), "CheckPubKeyEncoding result and error disagree");
                }

                break;
        }
    }

    private static IEnumerable<byte[]> SignatureSeeds(string vectors)
    {
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "script_tests.json").AsArray().Take(1200))
        {
            foreach (var text in Seeds.Strings(row))
            {
                // Signatures in script_tests.json scriptSigs: 0x47 0x3044... pushes.
                var at = text.IndexOf("0x30", StringComparison.Ordinal);
                if (at < 0 || !Bitcoin.Scripts.ScriptAsm.TryParse(text, out var script, out _))
                {
                    continue;
                }

                foreach (var push in Pushes(script))
                {
                    if (push.Length is > 8 and <= 73 && push[0] == 0x30)
                    {
                        yield return [0, .. push[..^1]];
                        yield return [1, .. push[..^1]];
                        yield return [3, .. push];
                    }
                }
            }
        }

        foreach (var line in File.ReadLines(Path.Combine(vectors, "bips", "bip340_test-vectors.csv")).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length > 5 && cells[5].Length == 128)
            {
                yield return [2, .. Convert.FromHexString(cells[5])];
            }
        }
    }

    private static List<byte[]> Pushes(Bitcoin.Scripts.Script script)
    {
        var pushes = new List<byte[]>();
        var pc = 0;
        while (Bitcoin.Scripts.Script.TryGetOp(script.Span, ref pc, out _, out var push))
        {
            pushes.Add(push.ToArray());
        }

        return pushes;
    }

    private static IEnumerable<byte[]> PublicKeySeeds(string vectors)
    {
        foreach (var line in File.ReadLines(Path.Combine(vectors, "bips", "bip340_test-vectors.csv")).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length > 2 && cells[2].Length == 64)
            {
                var x = Convert.FromHexString(cells[2]);
                yield return [1, .. x];
                yield return [0, 0x02, .. x];
                yield return [0, 0x03, .. x];
            }
        }

        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "functional-data", "rpc_bip67.json").AsArray())
        {
            foreach (var key in Seeds.Strings(row!["keys"]))
            {
                var bytes = Convert.FromHexString(key);
                yield return [0, .. bytes];
                yield return [2, .. bytes];
            }
        }
    }
}
