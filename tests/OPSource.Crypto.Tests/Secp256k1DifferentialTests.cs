using System.Globalization;
using System.Numerics;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport.Native;

namespace OPSource.Crypto.Tests;

/// <summary>
/// Differential tests against libsecp256k1 0.2.0 (P/Invoke oracle). Each test runs thousands of seeded
/// random and edge-case inputs and reports every failing case by index together with the seed
/// (override with OPSOURCE_SECP_SEED to reproduce or explore).
/// </summary>
public class Secp256k1DifferentialTests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int Seed
    {
        get
        {
            string? s = Environment.GetEnvironmentVariable("OPSOURCE_SECP_SEED");
            return s is null ? 20261124 : int.Parse(s, CultureInfo.InvariantCulture);
        }
    }

    private static byte[] Be32(BigInteger v)
    {
        byte[] b = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var r = new byte[32];
        b.CopyTo(r, 32 - b.Length);
        return r;
    }

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);

    /// <summary>Edge-case 32-byte scalars: 0, 1, 2, n-2, n-1, n, n+1, 2^255, 2^256-1, p-1, p, 2^128.</summary>
    private static IEnumerable<byte[]> EdgeScalars()
    {
        yield return Be32(0);
        yield return Be32(1);
        yield return Be32(2);
        yield return Be32(3);
        yield return Be32(N - 2);
        yield return Be32(N - 1);
        yield return Be32(N);
        yield return Be32(N + 1);
        yield return Be32(BigInteger.One << 255);
        yield return Be32((BigInteger.One << 256) - 1);
        yield return Be32(P - 1);
        yield return Be32(P);
        yield return Be32(BigInteger.One << 128);
        yield return Be32((N - 1) / 2);
        yield return Be32((N + 1) / 2);
    }

    /// <summary>Random secret-key candidates (some invalid) plus the edge cases.</summary>
    private static List<byte[]> KeyCandidates(Random rng, int count)
    {
        var list = new List<byte[]>(EdgeScalars());
        for (int i = 0; i < count; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            switch (i % 10)
            {
                case 0:
                    // Small values.
                    Array.Clear(b, 0, 28);
                    break;
                case 1:
                    // Near n.
                    b = Be32(N - 1 - rng.Next(0, 1000));
                    break;
                case 2:
                    // Mostly ones.
                    for (int j = 0; j < 20; j++) b[j] = 0xFF;
                    break;
                default:
                    break;
            }

            list.Add(b);
        }

        return list;
    }

    private static void Report(List<string> failures, int seed)
    {
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} failing case(s):\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void SecretKey_validity_and_pubkey_derivation_match()
    {
        Assert.True(LibSecp256k1.IsAvailable, "libsecp256k1.so.1 not loadable: apt-get install -y libsecp256k1-dev");
        var rng = new Random(Seed);
        var failures = new List<string>();
        List<byte[]> keys = KeyCandidates(rng, 3000);
        for (int i = 0; i < keys.Count; i++)
        {
            byte[] sk = keys[i];
            bool ours = SecretKey.TryCreate(sk, out SecretKey? key);
            bool theirs = LibSecp256k1.SecKeyVerify(sk);
            if (ours != theirs)
            {
                failures.Add($"#{i} validity ours={ours} libsecp={theirs}");
                continue;
            }

            if (!ours)
            {
                continue;
            }

            using (key)
            {
                string c = Hex(key!.PublicKey.ToCompressed());
                string u = Hex(key.PublicKey.ToUncompressed());
                if (c != Hex(LibSecp256k1.PubKeyCreate(sk, true)!) || u != Hex(LibSecp256k1.PubKeyCreate(sk, false)!))
                {
                    failures.Add($"#{i} pubkey differs for key index {i}");
                }

                string x = key.XOnlyPublicKey.ToString();
                byte[]? lx = LibSecp256k1.XOnlyFromSecKey(sk, out bool lodd);
                key.PublicKey.ToXOnly(out bool odd);
                if (x != Hex(lx!) || odd != lodd)
                {
                    failures.Add($"#{i} x-only differs");
                }
            }
        }

        Report(failures, Seed);
    }

    private static byte[] RandomPubKey(Random rng)
    {
        var sk = new byte[32];
        do
        {
            rng.NextBytes(sk);
        }
        while (!LibSecp256k1.SecKeyVerify(sk));
        return LibSecp256k1.PubKeyCreate(sk, rng.Next(2) == 0)!;
    }

    [Fact]
    public void PublicKey_parse_acceptance_and_serialization_match()
    {
        var rng = new Random(Seed + 1);
        var failures = new List<string>();
        var inputs = new List<byte[]>();
        byte[] prefixes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xFF];
        for (int i = 0; i < 4000; i++)
        {
            byte[] input;
            switch (i % 8)
            {
                case 0:
                    // Valid key, possibly with the prefix swapped (hybrid / wrong parity / wrong type).
                    input = RandomPubKey(rng);
                    input[0] = prefixes[rng.Next(prefixes.Length)];
                    break;
                case 1:
                    // Valid key with one random bit flipped.
                    input = RandomPubKey(rng);
                    input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2:
                    // x >= p.
                    input = new byte[33];
                    input[0] = (byte)(2 + rng.Next(2));
                    Be32(P + rng.Next(0, 1 << 20)).CopyTo(input, 1);
                    if (rng.Next(4) == 0) Be32(P).CopyTo(input, 1);
                    break;
                case 3:
                    // Uncompressed with y >= p or x >= p.
                    input = RandomPubKey(rng);
                    input = LibSecp256k1.PubKeyParse(input, false)!;
                    if (rng.Next(2) == 0) Be32(P + rng.Next(0, 100)).CopyTo(input, 33);
                    else Be32(P + rng.Next(0, 100)).CopyTo(input, 1);
                    break;
                case 4:
                    // Hybrid with either parity.
                    input = LibSecp256k1.PubKeyParse(RandomPubKey(rng), false)!;
                    input[0] = (byte)(6 + rng.Next(2));
                    break;
                case 5:
                    // Random bytes of random length around the valid sizes.
                    input = new byte[new[] { 0, 1, 32, 33, 34, 64, 65, 66 }[rng.Next(8)]];
                    rng.NextBytes(input);
                    if (input.Length > 0) input[0] = prefixes[rng.Next(prefixes.Length)];
                    break;
                case 6:
                    // Random x, compressed: about half are on the curve.
                    input = new byte[33];
                    rng.NextBytes(input);
                    input[0] = (byte)(2 + rng.Next(2));
                    break;
                default:
                    // Uncompressed with y negated / off-curve y.
                    input = LibSecp256k1.PubKeyParse(RandomPubKey(rng), false)!;
                    input[64] ^= 1;
                    break;
            }

            inputs.Add(input);
        }

        for (int i = 0; i < inputs.Count; i++)
        {
            byte[] input = inputs[i];
            bool ours = PublicKey.TryParse(input, out PublicKey pk);
            byte[]? theirs = LibSecp256k1.PubKeyParse(input, true);
            if (ours != (theirs is not null))
            {
                failures.Add($"#{i} {Hex(input)}: ours={ours} libsecp={theirs is not null}");
            }
            else if (ours && (Hex(pk.ToCompressed()) != Hex(theirs!) || Hex(pk.ToUncompressed()) != Hex(LibSecp256k1.PubKeyParse(input, false)!)))
            {
                failures.Add($"#{i} {Hex(input)}: serialization differs");
            }

            if (input.Length >= 32)
            {
                ReadOnlySpan<byte> x = input.AsSpan(input.Length - 32);
                if (XOnlyPublicKey.TryParse(x, out _) != LibSecp256k1.XOnlyParse(x))
                {
                    failures.Add($"#{i} x-only parse differs on {Hex(x)}");
                }
            }
        }

        Report(failures, Seed + 1);
    }

    private static byte[] RandomValidKey(Random rng)
    {
        var sk = new byte[32];
        do
        {
            rng.NextBytes(sk);
            if (rng.Next(16) == 0) Be32(N - 1 - rng.Next(0, 5)).CopyTo(sk, 0);
            if (rng.Next(16) == 0) Be32(rng.Next(1, 5)).CopyTo(sk, 0);
        }
        while (!LibSecp256k1.SecKeyVerify(sk));
        return sk;
    }

    [Fact]
    public void Ecdsa_signatures_are_byte_identical_and_verification_agrees()
    {
        var rng = new Random(Seed + 2);
        var failures = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] sk = RandomValidKey(rng);
            var msg = new byte[32];
            rng.NextBytes(msg);
            if (i % 50 == 0) Be32(N + rng.Next(0, 10)).CopyTo(msg, 0); // message >= n is reduced
            byte[]? extra = null;
            if (i % 2 == 1)
            {
                extra = new byte[32];
                rng.NextBytes(extra);
            }

            using SecretKey key = SecretKey.Create(sk);
            EcdsaSignature sig = Ecdsa.Sign(key, msg, extra);
            byte[] lib = LibSecp256k1.EcdsaSign(msg, sk, extra)!;
            byte[] compact = sig.ToCompact();
            if (Hex(compact) != Hex(lib))
            {
                failures.Add($"#{i} signature differs: ours {Hex(compact)} libsecp {Hex(lib)}");
                continue;
            }

            if (Hex(sig.ToDer()) != Hex(LibSecp256k1.EcdsaCompactToDer(compact)!))
            {
                failures.Add($"#{i} DER serialization differs");
            }

            byte[] pub = key.PublicKey.ToCompressed();
            // Valid, then several corruptions: flipped bit in r/s/msg, high-S form, other key.
            var cases = new List<(byte[] Sig, byte[] Msg, byte[] Pub, string What)> { (compact, msg, pub, "valid") };
            byte[] c1 = (byte[])compact.Clone();
            c1[rng.Next(64)] ^= (byte)(1 << rng.Next(8));
            cases.Add((c1, msg, pub, "sig bit flip"));
            byte[] m1 = (byte[])msg.Clone();
            m1[rng.Next(32)] ^= 1;
            cases.Add((compact, m1, pub, "msg bit flip"));
            EcdsaSignature high = new(sig.R, sig.S.Negate());
            cases.Add((high.ToCompact(), msg, pub, "high S"));
            cases.Add((compact, msg, RandomPubKey(rng), "other key"));
            cases.Add((compact, msg, key.PublicKey.Negate().ToCompressed(), "negated key"));
            byte[] zr = (byte[])compact.Clone();
            Array.Clear(zr, 0, 32);
            cases.Add((zr, msg, pub, "zero r"));
            foreach (var (s, m, p, what) in cases)
            {
                bool ours = EcdsaSignature.TryParseCompact(s, out EcdsaSignature parsed) && Ecdsa.Verify(parsed, m, PublicKey.Parse(p));
                bool theirs = LibSecp256k1.EcdsaVerifyCompact(s, m, p);
                if (ours != theirs)
                {
                    failures.Add($"#{i} verify ({what}) ours={ours} libsecp={theirs}");
                }

                if (what == "valid" && !ours)
                {
                    failures.Add($"#{i} valid signature rejected");
                }
            }
        }

        Report(failures, Seed + 2);
    }

    [Fact]
    public void Low_r_grinding_matches_core_loop_over_libsecp()
    {
        // Core key.cpp CKey::Sign: no extra data first, then WriteLE32(extra_entropy, ++counter) until r < 0x80...
        var rng = new Random(Seed + 9);
        var failures = new List<string>();
        int ground = 0;
        for (int i = 0; i < 300; i++)
        {
            byte[] sk = RandomValidKey(rng);
            var msg = new byte[32];
            rng.NextBytes(msg);
            byte[] expected = LibSecp256k1.EcdsaSign(msg, sk)!;
            uint counter = 0;
            while (expected[0] >= 0x80)
            {
                var extra = new byte[32];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(extra, ++counter);
                expected = LibSecp256k1.EcdsaSign(msg, sk, extra)!;
            }

            ground += counter > 0 ? 1 : 0;
            using SecretKey key = SecretKey.Create(sk);
            byte[] ours = Ecdsa.SignGrindLowR(key, msg).ToCompact();
            if (Hex(ours) != Hex(expected))
            {
                failures.Add($"#{i} ground signature differs (counter {counter})");
            }
        }

        Assert.True(ground > 50, "too few cases needed grinding");
        Report(failures, Seed + 9);
    }

    [Fact]
    public void Ecdsa_verify_agrees_on_r_with_x_coordinate_overflow_and_crafted_inputs()
    {
        // Signatures whose R.x >= n exercise the "r + n < p" branch; craft them via recovery:
        // choose r < p - n, s random, recid with overflow bit, recover Q, then verify (r, s) for Q.
        var rng = new Random(Seed + 3);
        var failures = new List<string>();
        int recovered = 0;
        for (int i = 0; i < 400; i++)
        {
            BigInteger r = new(rng.NextInt64(1, long.MaxValue));
            var s = new byte[32];
            rng.NextBytes(s);
            s[0] &= 0x7F;
            var msg = new byte[32];
            rng.NextBytes(msg);
            byte[] compact = [.. Be32(r), .. s];
            for (int recid = 0; recid < 4; recid++)
            {
                byte[]? lib = LibSecp256k1.EcdsaRecover(compact, recid, msg);
                bool ours = RecoverableSignature.TryParseCompact(compact, recid, out RecoverableSignature rs) && Ecdsa.TryRecover(rs, msg, out PublicKey q)
                    && lib is not null && Hex(q.ToCompressed()) == Hex(lib);
                if ((lib is not null) != ours)
                {
                    failures.Add($"#{i} recid {recid}: recovery differs");
                    continue;
                }

                if (lib is null)
                {
                    continue;
                }

                recovered++;
                bool ov = LibSecp256k1.EcdsaVerifyCompact(compact, msg, lib);
                bool ourVerify = EcdsaSignature.TryParseCompact(compact, out EcdsaSignature sig) && Ecdsa.Verify(sig, msg, PublicKey.Parse(lib));
                if (ov != ourVerify)
                {
                    failures.Add($"#{i} recid {recid}: verify differs ours={ourVerify} libsecp={ov}");
                }
            }
        }

        Assert.True(recovered > 400, "too few recoverable cases generated");
        Report(failures, Seed + 3);
    }

    private static byte[] Der(byte[] r, byte[] s)
    {
        return [0x30, (byte)(4 + r.Length + s.Length), 0x02, (byte)r.Length, .. r, 0x02, (byte)s.Length, .. s];
    }

    [Fact]
    public void Strict_der_parse_agrees_on_valid_and_malformed_encodings()
    {
        var rng = new Random(Seed + 4);
        var failures = new List<string>();
        var inputs = new List<byte[]>
        {
            Array.Empty<byte>(), new byte[] { 0x30 }, new byte[] { 0x30, 0x00 }, new byte[] { 0x30, 0x80 },
            new byte[] { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
            new byte[] { 0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00 },
            new byte[] { 0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01 }, // negative r
            new byte[] { 0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01 }, // excess zero padding
            new byte[] { 0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01 }, // needed zero padding
            new byte[] { 0x30, 0x07, 0x02, 0x02, 0xFF, 0x80, 0x02, 0x01, 0x01 }, // excess 0xFF padding
            new byte[] { 0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 }, // long-form length < 128
            new byte[] { 0x30, 0x06, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01 },
            new byte[] { 0x30, 0x06, 0x02, 0x00, 0x02, 0x01, 0x01 },
            new byte[] { 0x30, 0xFF, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
            new byte[] { 0x30, 0x88, 0, 0, 0, 0, 0, 0, 0, 6, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
            new byte[] { 0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 },
            new byte[] { 0x30, 0x06, 0x03, 0x01, 0x01, 0x02, 0x01, 0x01 },
            Der([0x00, .. Be32(N)], [0x01]), // r == n: parses as (0, 0)
            Der([0x00, .. Be32(N - 1)], [0x01]),
            Der([0x01, .. Be32(1)], [0x01]), // 33 bytes without padding: overflow
            Der([0x00, 0x00, .. Be32(1)], [0x01]),
        };

        // A long-form sequence length of exactly 128+ bytes.
        byte[] longR = [0x00, .. Enumerable.Repeat((byte)0x7F, 130)];
        inputs.Add([0x30, 0x81, (byte)(4 + longR.Length + 1), 0x02, 0x81, (byte)longR.Length, .. longR, 0x02, 0x01, 0x01]);

        for (int i = 0; i < 4000; i++)
        {
            byte[] sk = RandomValidKey(rng);
            var msg = new byte[32];
            rng.NextBytes(msg);
            byte[] der = LibSecp256k1.EcdsaCompactToDer(LibSecp256k1.EcdsaSign(msg, sk)!)!;
            switch (i % 6)
            {
                case 0:
                    break;
                case 1:
                    der[rng.Next(der.Length)] = (byte)rng.Next(256);
                    break;
                case 2:
                    der = der[..rng.Next(der.Length)];
                    break;
                case 3:
                    {
                        int at = rng.Next(der.Length + 1);
                        der = [.. der[..at], (byte)rng.Next(256), .. der[at..]];
                        break;
                    }

                case 4:
                    // Length bytes are the interesting ones.
                    der[new[] { 1, 3, Math.Min(der.Length - 1, 5 + der[3]) }[rng.Next(3)]] += (byte)(rng.Next(5) - 2);
                    break;
                default:
                    der = new byte[rng.Next(0, 80)];
                    rng.NextBytes(der);
                    if (der.Length > 0) der[0] = 0x30;
                    break;
            }

            inputs.Add(der);
        }

        for (int i = 0; i < inputs.Count; i++)
        {
            byte[] input = inputs[i];
            bool ours = EcdsaSignature.TryParseDer(input, out EcdsaSignature sig);
            byte[]? theirs = LibSecp256k1.EcdsaParseDer(input);
            if (ours != (theirs is not null))
            {
                failures.Add($"#{i} {Hex(input)}: ours={ours} libsecp={theirs is not null}");
            }
            else if (ours && Hex(sig.ToCompact()) != Hex(theirs!))
            {
                failures.Add($"#{i} {Hex(input)}: parsed value differs");
            }
        }

        Report(failures, Seed + 4);
    }

    [Fact]
    public void Schnorr_signatures_are_byte_identical_and_verification_agrees()
    {
        var rng = new Random(Seed + 5);
        var failures = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] sk = RandomValidKey(rng);
            var msg = new byte[i % 7 == 0 ? rng.Next(0, 300) : 32];
            rng.NextBytes(msg);
            byte[] aux = i % 5 == 0 ? [] : new byte[32];
            rng.NextBytes(aux);

            using SecretKey key = SecretKey.Create(sk);
            byte[] ours = Schnorr.Sign(key, msg, aux);
            byte[] lib = LibSecp256k1.SchnorrSign(msg, sk, aux)!;
            if (Hex(ours) != Hex(lib))
            {
                failures.Add($"#{i} signature differs (msg len {msg.Length}, aux len {aux.Length})");
                continue;
            }

            byte[] pub = key.XOnlyPublicKey.ToBytes();
            var cases = new List<(byte[] Sig, byte[] Msg, byte[] Pub, string What)> { (ours, msg, pub, "valid") };
            byte[] c1 = (byte[])ours.Clone();
            c1[rng.Next(64)] ^= (byte)(1 << rng.Next(8));
            cases.Add((c1, msg, pub, "sig bit flip"));
            if (msg.Length > 0)
            {
                byte[] m1 = (byte[])msg.Clone();
                m1[rng.Next(msg.Length)] ^= 1;
                cases.Add((ours, m1, pub, "msg flip"));
            }

            cases.Add((ours, [.. msg, 0], pub, "msg extended"));
            byte[] rp = (byte[])ours.Clone();
            Be32(P + rng.Next(0, 3)).CopyTo(rp, 0);
            cases.Add((rp, msg, pub, "r >= p"));
            byte[] sn = (byte[])ours.Clone();
            Be32(N + rng.Next(0, 3)).CopyTo(sn, 32);
            cases.Add((sn, msg, pub, "s >= n"));
            byte[] other = new byte[32];
            rng.NextBytes(other);
            cases.Add((ours, msg, other, "random key"));
            foreach (var (s, m, p, what) in cases)
            {
                bool o = XOnlyPublicKey.TryParse(p, out XOnlyPublicKey xk) && Schnorr.Verify(s, m, xk);
                bool t = LibSecp256k1.SchnorrVerify(s, m, p);
                if (o != t)
                {
                    failures.Add($"#{i} verify ({what}) ours={o} libsecp={t}");
                }

                if (what == "valid" && !o)
                {
                    failures.Add($"#{i} valid signature rejected");
                }
            }
        }

        Report(failures, Seed + 5);
    }

    private static byte[] Tweak(Random rng, byte[] sk)
    {
        var t = new byte[32];
        rng.NextBytes(t);
        switch (rng.Next(12))
        {
            case 0: return Be32(0);
            case 1: return Be32(N);
            case 2: return Be32(N + 1);
            case 3: return Be32((N - new BigInteger(sk, isUnsigned: true, isBigEndian: true)) % N); // sum zero
            case 4: return Be32(1);
            case 5: return Be32(N - 1);
            default: return t;
        }
    }

    [Fact]
    public void Tweaks_negation_and_combination_match()
    {
        var rng = new Random(Seed + 6);
        var failures = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] sk = RandomValidKey(rng);
            byte[] t = Tweak(rng, sk);
            using SecretKey key = SecretKey.Create(sk);
            byte[] pub = key.PublicKey.ToCompressed();
            var sb = new byte[32];

            // Secret add / mul / negate.
            byte[]? lAdd = LibSecp256k1.SecKeyTweakAdd(sk, t);
            bool oAdd = key.TryAddTweak(t, out SecretKey? added);
            if (oAdd != (lAdd is not null)) failures.Add($"#{i} seckey add acceptance differs");
            else if (oAdd)
            {
                added!.WriteTo(sb);
                if (Hex(sb) != Hex(lAdd!)) failures.Add($"#{i} seckey add differs");
                // Property: pub(sk + t) == pub(sk) + tG.
                if (!key.PublicKey.TryAddTweak(t, out PublicKey pAdd) || pAdd != added.PublicKey) failures.Add($"#{i} pub(sk+t) != pub+tG");
                added.Dispose();
            }

            byte[]? lMul = LibSecp256k1.SecKeyTweakMul(sk, t);
            bool oMul = key.TryMultiplyTweak(t, out SecretKey? mul);
            if (oMul != (lMul is not null)) failures.Add($"#{i} seckey mul acceptance differs");
            else if (oMul)
            {
                mul!.WriteTo(sb);
                if (Hex(sb) != Hex(lMul!)) failures.Add($"#{i} seckey mul differs");
                mul.Dispose();
            }

            using (SecretKey neg = key.Negate())
            {
                neg.WriteTo(sb);
                if (Hex(sb) != Hex(LibSecp256k1.SecKeyNegate(sk)!)) failures.Add($"#{i} seckey negate differs");
            }

            // Public add / mul / negate.
            byte[]? lpAdd = LibSecp256k1.PubKeyTweakAdd(pub, t);
            bool opAdd = key.PublicKey.TryAddTweak(t, out PublicKey pa);
            if (opAdd != (lpAdd is not null) || (opAdd && Hex(pa.ToCompressed()) != Hex(lpAdd!))) failures.Add($"#{i} pubkey add differs");
            byte[]? lpMul = LibSecp256k1.PubKeyTweakMul(pub, t);
            bool opMul = key.PublicKey.TryMultiplyTweak(t, out PublicKey pm);
            if (opMul != (lpMul is not null) || (opMul && Hex(pm.ToCompressed()) != Hex(lpMul!))) failures.Add($"#{i} pubkey mul differs");
            if (Hex(key.PublicKey.Negate().ToCompressed()) != Hex(LibSecp256k1.PubKeyNegate(pub)!)) failures.Add($"#{i} pubkey negate differs");

            // X-only: output key, tweak-add check, keypair tweak.
            byte[] x = key.XOnlyPublicKey.ToBytes();
            byte[]? lx = LibSecp256k1.XOnlyTweakAdd(x, t);
            bool ox = key.XOnlyPublicKey.TryAddTweak(t, out XOnlyPublicKey q, out bool qOdd);
            if (ox != (lx is not null)) failures.Add($"#{i} x-only tweak acceptance differs");
            else if (ox)
            {
                if (Hex(q.ToBytes()) != Hex(lx!.AsSpan(1)) || qOdd != (lx![0] == 0x03)) failures.Add($"#{i} x-only tweak differs");
                bool flip = rng.Next(4) == 0;
                bool oc = q.CheckTweakAdd(key.XOnlyPublicKey, t, qOdd ^ flip);
                bool lc = LibSecp256k1.XOnlyTweakAddCheck(q.ToBytes(), qOdd ^ flip, x, t);
                if (oc != lc || oc == flip) failures.Add($"#{i} tweak-add check differs ours={oc} libsecp={lc}");
            }

            byte[]? lkp = LibSecp256k1.KeypairXOnlyTweakAdd(sk, t);
            bool okp = key.TryAddXOnlyTweak(t, out SecretKey? tk);
            if (okp != (lkp is not null)) failures.Add($"#{i} keypair tweak acceptance differs");
            else if (okp)
            {
                tk!.WriteTo(sb);
                if (Hex(sb) != Hex(lkp!)) failures.Add($"#{i} keypair tweak differs");
                if (ox && tk.XOnlyPublicKey != q) failures.Add($"#{i} tweaked secret does not match output key");
                tk.Dispose();
            }

            // Combination of 1..4 keys, sometimes including a key and its negation.
            int count = rng.Next(1, 5);
            var keys = new List<byte[]>();
            for (int k = 0; k < count; k++) keys.Add(RandomPubKey(rng));
            if (rng.Next(5) == 0) keys.Add(LibSecp256k1.PubKeyNegate(keys[0])!);
            byte[]? lc2 = LibSecp256k1.PubKeyCombine(keys);
            PublicKey[] ok = keys.Select(k => PublicKey.Parse(k)).ToArray();
            bool oc2 = PublicKey.TryCombine(ok, out PublicKey comb);
            if (oc2 != (lc2 is not null) || (oc2 && Hex(comb.ToCompressed()) != Hex(lc2!))) failures.Add($"#{i} combine differs");
        }

        Report(failures, Seed + 6);
    }

    [Fact]
    public void Ecdh_matches()
    {
        var rng = new Random(Seed + 7);
        var failures = new List<string>();
        Span<byte> ours = stackalloc byte[32];
        for (int i = 0; i < 1000; i++)
        {
            byte[] sk = RandomValidKey(rng);
            byte[] peer = i % 10 == 0 ? LibSecp256k1.PubKeyCreate(RandomValidKey(rng))! : RandomPubKey(rng);
            using SecretKey key = SecretKey.Create(sk);
            Ecdh.ComputeSharedSecret(key, PublicKey.Parse(peer), ours);
            byte[] lib = LibSecp256k1.Ecdh(peer, sk)!;
            if (Hex(ours) != Hex(lib)) failures.Add($"#{i} ECDH differs");
        }

        Report(failures, Seed + 7);
    }

    [Fact]
    public void Recoverable_signing_and_recovery_match()
    {
        var rng = new Random(Seed + 8);
        var failures = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            byte[] sk = RandomValidKey(rng);
            var msg = new byte[32];
            rng.NextBytes(msg);
            using SecretKey key = SecretKey.Create(sk);
            RecoverableSignature rs = Ecdsa.SignRecoverable(key, msg);
            var (lsig, lrec) = LibSecp256k1.EcdsaSignRecoverable(msg, sk)!.Value;
            var compact = new byte[64];
            rs.WriteCompact(compact, out int recid);
            if (Hex(compact) != Hex(lsig) || recid != lrec)
            {
                failures.Add($"#{i} recoverable signature differs");
                continue;
            }

            if (!Ecdsa.TryRecover(rs, msg, out PublicKey rec) || rec != key.PublicKey) failures.Add($"#{i} own recovery failed");

            // Corrupted signature / other recid: recovery result (or failure) must agree.
            byte[] c = (byte[])compact.Clone();
            if (rng.Next(2) == 0) c[rng.Next(64)] ^= (byte)(1 << rng.Next(8));
            int id = rng.Next(4);
            byte[]? lib = LibSecp256k1.EcdsaRecover(c, id, msg);
            bool parsed = RecoverableSignature.TryParseCompact(c, id, out RecoverableSignature crs);
            bool ok = parsed && Ecdsa.TryRecover(crs, msg, out rec);
            if (ok != (lib is not null) || (ok && Hex(rec.ToCompressed()) != Hex(lib!))) failures.Add($"#{i} recovery of corrupted signature differs");
        }

        Report(failures, Seed + 8);
    }

    [Fact]
    public void Edge_keys_one_and_n_minus_one_work_zero_and_n_are_rejected_by_both()
    {
        foreach (BigInteger v in new[] { BigInteger.Zero, N, N + 1, (BigInteger.One << 256) - 1 })
        {
            Assert.False(SecretKey.TryCreate(Be32(v), out _));
            Assert.False(LibSecp256k1.SecKeyVerify(Be32(v)));
        }

        var msg = new byte[32];
        msg[5] = 7;
        foreach (BigInteger v in new[] { BigInteger.One, N - 1 })
        {
            byte[] sk = Be32(v);
            using SecretKey key = SecretKey.Create(sk);
            Assert.Equal(Hex(LibSecp256k1.PubKeyCreate(sk)!), Hex(key.PublicKey.ToCompressed()));
            Assert.Equal(Hex(LibSecp256k1.EcdsaSign(msg, sk)!), Hex(Ecdsa.Sign(key, msg).ToCompact()));
            Assert.Equal(Hex(LibSecp256k1.SchnorrSign(msg, sk, msg)!), Hex(Schnorr.Sign(key, msg, msg)));
        }

        Assert.Throws<ArgumentException>(() => SecretKey.Create(Be32(0)));
    }
}
