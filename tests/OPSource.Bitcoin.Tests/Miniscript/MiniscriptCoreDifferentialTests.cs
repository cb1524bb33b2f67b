using System.Text.Json.Nodes;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;
using Xunit.Sdk;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>One Bitcoin Core v29.2 regtest node for the class, with a funded wallet <c>core</c>.</summary>
public sealed class MiniscriptCoreFixture : IAsyncLifetime
{
    private readonly BitcoinCoreNode _node = new();
    private bool _started;

    public BitcoinCoreNode Node
    {
        get
        {
            if (!_started)
            {
                BitcoinCoreNode.RequireBitcoind();
            }

            return _node;
        }
    }

    public string MiningAddress { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        // A skip thrown from a class fixture would fail every test: the tests skip through Node instead.
        if (BitcoinCoreNode.LocateBitcoind() is null && !Vectors.IsCi)
        {
            return;
        }

        await _node.StartAsync();
        _started = true;
        await _node.CreateWalletAsync("core");
        MiningAddress = (string)(await _node.WalletRpc("core", "getnewaddress"))!;
        await _node.MineAsync(101, MiningAddress);
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}

/// <summary>
/// Differential tests against Bitcoin Core v29.2 on random well-typed miniscripts: getdescriptorinfo
/// and deriveaddresses agree with our parser and derivation (and both refuse the insane ones), and
/// finalizepsbt on PSBTs we build and sign gives the same final witness as our finalizer, accepted by
/// testmempoolaccept.
/// </summary>
public sealed class MiniscriptCoreDifferentialTests(MiniscriptCoreFixture fixture, ITestOutputHelper output) : IClassFixture<MiniscriptCoreFixture>
{
    private static readonly int Seed = Environment.GetEnvironmentVariable("OPSOURCE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();

    private sealed class KeyText(Func<string, string> map) : IMiniscriptKeyFormatter<string>
    {
        public string? Format(string key, MiniscriptContext context) => map(key);
    }

    private static ExtKey Master(Random rng)
    {
        var seed = new byte[32];
        rng.NextBytes(seed);
        return ExtKey.CreateMaster(seed);
    }

    [Fact]
    public async Task Descriptor_info_and_addresses_match_core()
    {
        var node = fixture.Node;
        output.WriteLine($"seed {Seed}");
        var rng = new Random(Seed);
        using var master = Master(rng);
        var tpub = master.Neuter().ToString(ExtKeyVersion.For(Network.Regtest, false));
        var tprv = master.ToBase58(Network.Regtest);
        var fingerprint = master.Fingerprint.ToString();
        for (var round = 0; round < 60; round++)
        {
            var tap = round % 2 == 1;
            var generator = new MiniscriptGenerator(rng, tap ? MiniscriptContext.Tapscript : MiniscriptContext.P2Wsh, maxKeys: 8, timeLocks: true);
            var sane = round % 6 != 5;
            var ms = sane ? generator.NextSane() : generator.NextValid();

            // A mix of key forms: ranged tpub with origin, fixed tpub steps, private tprv, and hex keys.
            string MapKey(string name)
            {
                var i = int.Parse(name.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                return ((round + i) % 4) switch
                {
                    0 => $"[{fingerprint}/{round}h]{tpub}/{round}/{i}/*",
                    1 => $"{tpub}/{round}/{i}",
                    2 => $"{tprv}/{round}/{i}/*",
                    _ => Hex.Encode(DeriveKey(master, (uint)round, (uint)i, tap)),
                };
            }

            var body = ms.ToString(new KeyText(MapKey))!;
            var text = tap ? $"tr({tpub}/{round}/99,{{pk({tpub}/{round}/98),{body}}})" : $"wsh({body})";
            await CompareWithCore(text, sane, round);

            // The other miniscript-bearing shapes: sh(wsh()), sortedmulti_a/multi_a leaves, rawtr().
            var extra = (round % 4) switch
            {
                0 => tap ? $"tr({tpub}/{round}/99,sortedmulti_a(2,{MapKey("K0")},{MapKey("K1")},{MapKey("K2")}))" : $"sh(wsh({body}))",
                1 => $"rawtr({MapKey("K" + (round % 8).ToString(System.Globalization.CultureInfo.InvariantCulture))})",
                2 => $"tr({MapKey("K7")},{{multi_a(1,{MapKey("K4")},{MapKey("K5")}),{{sortedmulti_a(1,{MapKey("K5")},{MapKey("K6")}),pk({MapKey("K3")})}}}})",
                _ => tap ? $"tr({tpub}/{round}/99,{{{body},sortedmulti_a(1,{MapKey("K1")},{MapKey("K2")})}})" : $"sh(wsh({body}))",
            };
            await CompareWithCore(extra, sane || !extra.Contains(body, StringComparison.Ordinal), round);
        }

        async Task CompareWithCore(string text, bool sane, int round)
        {
            var ours = Descriptor.TryParse(text, Network.Regtest, out var descriptor, out var ourError);
            JsonNode? info = null;
            string? coreError = null;
            try
            {
                info = await node.Rpc("getdescriptorinfo", text);
            }
            catch (BitcoinRpcTestException e)
            {
                coreError = e.Message;
            }

            Assert.True(ours == (info is not null), $"round {round} {text}: ours={ours} ({ourError}) core={coreError}");
            if (!ours)
            {
                Assert.False(sane, $"round {round}: a sane miniscript was refused: {ourError}");
                return;
            }

            using (descriptor)
            {
                Assert.Equal((string)info!["descriptor"]!, descriptor!.ToString());
                Assert.Equal((string)info["checksum"]!, DescriptorChecksum.Compute(text));
                Assert.Equal((bool)info["isrange"]!, descriptor.IsRange);
                Assert.Equal((bool)info["issolvable"]!, descriptor.IsSolvable);
                Assert.Equal((bool)info["hasprivatekeys"]!, descriptor.HasPrivateKeys);
                var withChecksum = (string)info["descriptor"]!;
                var addresses = descriptor.IsRange
                    ? await node.Rpc("deriveaddresses", withChecksum, new JsonArray(0, 2))
                    : await node.Rpc("deriveaddresses", withChecksum);
                var expected = addresses!.AsArray().Select(a => (string)a!).ToList();
                var derived = descriptor.Derive(0, descriptor.IsRange ? 2u : 0u, Network.Regtest).Select(o => o.Address!.ToString()).ToList();
                Assert.Equal(expected, derived);
            }
        }
    }

    private static byte[] DeriveKey(ExtKey master, uint round, uint i, bool xonly)
    {
        using var child = master.Derive(new KeyPath(round, i));
        var pub = child.PublicKey;
        return xonly ? pub.ToXOnly(out _).ToBytes() : pub.ToCompressed();
    }

    [Fact]
    public async Task Finalizepsbt_matches_core_and_the_mempool_accepts()
    {
        var node = fixture.Node;
        output.WriteLine($"seed {Seed}");
        var rng = new Random(Seed + 1);
        using var master = Master(rng);
        var tprv = master.ToBase58(Network.Regtest);
        var tpub = master.Neuter().ToString(ExtKeyVersion.For(Network.Regtest, false));
        const int count = 24;
        var cases = new List<(Descriptor Descriptor, Dictionary<string, byte[]> Preimages, DescriptorSpendInfo Info)>();
        for (var i = 0; i < count; i++)
        {
            var tap = i % 2 == 1;
            var generator = new MiniscriptGenerator(rng, tap ? MiniscriptContext.Tapscript : MiniscriptContext.P2Wsh, maxKeys: 8, maxAfterHeight: 100, maxOlder: 10);
            var ms = generator.NextSane();
            var body = ms.ToString(new KeyText(name => $"{tprv}/{i}/{name[1..]}"))!;

            // Tapscript: an internal key without its private key, so the script path is taken; sometimes a second leaf.
            var text = !tap ? $"wsh({body})"
                : rng.Next(2) == 0 ? $"tr({tpub}/{i}/99,{body})"
                : $"tr({tpub}/{i}/99,{{{body},and_v(v:pk({tprv}/{i}/97),older(10))}})";
            var descriptor = Descriptor.Parse(text, Network.Regtest);
            cases.Add((descriptor, generator.Preimages, descriptor.GetSpendInfo(0)));
        }

        // rawtr() (key path with the untweaked output key), a sortedmulti_a leaf, and sh(wsh(miniscript)).
        string[] fixedShapes =
        [
            $"rawtr({tprv}/{count}/0)",
            $"tr({tpub}/{count + 1}/99,sortedmulti_a(2,{tprv}/{count + 1}/0,{tprv}/{count + 1}/1,{tprv}/{count + 1}/2))",
            $"sh(wsh(or_d(pk({tprv}/{count + 2}/0),and_v(v:pk({tprv}/{count + 2}/1),older(10)))))",
            $"tr({tpub}/{count + 3}/99,{{multi_a(1,{tprv}/{count + 3}/0,{tprv}/{count + 3}/1),and_v(v:pk({tprv}/{count + 3}/2),older(10))}})",
        ];
        foreach (var text in fixedShapes)
        {
            var descriptor = Descriptor.Parse(text, Network.Regtest);
            cases.Add((descriptor, new Dictionary<string, byte[]>(), descriptor.GetSpendInfo(0)));
        }

        // Fund every output in one transaction (a chain of single sends would pass the mempool's
        // 25-ancestor limit), then mature them past every older(n <= 10).
        var amounts = new JsonObject();
        foreach (var c in cases)
        {
            amounts[c.Descriptor.GetAddresses(0, Network.Regtest)[0].ToString()] = 0.001m;
        }

        var funding = (string)(await node.WalletRpc("core", "sendmany", "", amounts))!;
        var txids = cases.Select(_ => funding).ToList();

        await node.MineAsync(11, fixture.MiningAddress);
        var height = (int)(await node.Rpc("getblockcount"))!;
        var destination = new TxOut(Amount.FromSatoshis(80_000), Script.FromHex((string)(await node.Rpc("validateaddress", fixture.MiningAddress))!["scriptPubKey"]!));
        var finalized = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var (descriptor, preimages, info) = cases[i];
            var raw = await node.Rpc("getrawtransaction", txids[i], true);
            var vout = raw!["vout"]!.AsArray().First(o => (string)o!["scriptPubKey"]!["hex"]! == info.ScriptPubKey.ToHex())!;
            var outpoint = new OutPoint(TxId.Parse(txids[i]), (uint)vout["n"]!);

            // A random part of the signing material: each key signs with probability 3/4, each preimage is known with 3/4.
            var known = preimages.Values.Where(_ => rng.Next(4) != 0).ToList();
            var psbt = DescriptorSpending.CreatePsbt(descriptor, 0, outpoint, Amount.FromSatoshis(100_000), destination, (uint)height, 10, known, out _);
            var secrets = DescriptorSpending.Secrets(descriptor, info);
            // The fixed shapes sign with every key, so each of them must finalize (on both sides).
            var signers = i >= count ? secrets : secrets.Where(_ => rng.Next(4) != 0).ToList();
            var signed = psbt.Sign(signers, new global::OPSource.Bitcoin.Psbt.PsbtSignOptions { TaprootAuxRandomness = new byte[32] });
            secrets.ForEach(s => s.Dispose());

            var ours = signed.TryFinalize(out var result, out var problems);
            var core = await node.Rpc("finalizepsbt", signed.ToBase64());
            var coreComplete = (bool)core!["complete"]!;
            Assert.True(ours == coreComplete, $"case {i} {descriptor}: ours={ours} ({string.Join("; ", problems)}) core={coreComplete}");
            Assert.True(ours || i < count, $"case {i} {descriptor} signed by every key did not finalize: {string.Join("; ", problems)}");
            if (!ours)
            {
                continue;
            }

            var hex = result.Extract().ToHex();
            Assert.Equal((string)core["hex"]!, hex);
            var accept = (await node.Rpc("testmempoolaccept", new JsonArray(hex)))!.AsArray()[0]!;
            Assert.True((bool)accept["allowed"]!, $"case {i}: {accept["reject-reason"]}");
            finalized++;
        }

        output.WriteLine($"{finalized} of {cases.Count} finalized (the others lacked signatures or preimages, for both)");
        Assert.True(finalized > 0);
        foreach (var c in cases)
        {
            c.Descriptor.Dispose();
        }
    }
}
