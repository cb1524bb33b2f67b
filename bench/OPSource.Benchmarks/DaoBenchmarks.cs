using BenchmarkDotNet.Attributes;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Benchmarks;

/// <summary>
/// The size: a token DAO with 10,000 members and 100,000 signed votes (10 proposals, every member
/// votes on each). <c>Tally</c> replays the log with signatures taken as checked and tallies every proposal;
/// <c>VerifyBundle</c> is the full offline verification of <c>opsource dao verify</c> (parse the bundle JSON,
/// hash chain, BIP340 batch verification in batches of 256 on all cores, rules, tallies);
/// <c>VerifyBundleOneByOne</c> is the same full verification with batches of one, i.e. every signature verified
/// alone with <c>Schnorr.Verify</c>, on the same cores (the baseline batch verification is measured against).
/// </summary>
// Operations of seconds: one warm-up and three measured iterations in process, no pilot (DlcBenchmarkConfig).
[Config(typeof(DlcBenchmarkConfig))]
[MemoryDiagnoser]
public class DaoBenchmarks
{
    private const int Members = 10_000;
    private const int Proposals = 10;
    private List<DaoEvent> _events = [];
    private string _json = "";

    [GlobalSetup]
    public void Setup()
    {
        var keys = Enumerable.Range(0, Members).Select(_ => SecretKey.Generate()).ToArray();
        var members = keys.Select((k, i) => new DaoMember(Convert.ToHexStringLower(k.XOnlyPublicKey.ToBytes()), (ulong)(1 + (i % 97)))).ToList();
        var create = new DaoCreated("bench", "regtest", GovernanceType.Token, members, new DaoParameters(0, 2000, 5000, 0, 1000, 0), 1, false, null);
        var state = new DaoState();
        void Append(string body, byte[]? sig, int height)
        {
            var e = DaoEvent.Create(state.Count, height, state.LastHash, body, sig);
            state.Apply(e, signatureVerified: true);
            _events.Add(e);
        }

        Append(DaoEventCodec.Write(create), null, 100);
        var ids = new List<string>();
        for (var p = 0; p < Proposals; p++)
        {
            var signed = DaoSigner.Proposal(keys[p], state.DaoId, (ulong)p, $"proposal {p}", "", new TextAction());
            Append(signed.Body, signed.Signature, 100);
            ids.Add(DaoSigner.ProposalId(signed.Body));
        }

        var votes = new SignedAction[Members * Proposals];
        Parallel.For(0, votes.Length, i => votes[i] = DaoSigner.Vote(keys[i % Members], state.DaoId, ids[i / Members], (VoteChoice)(1 + (i % 3)), 1));
        foreach (var v in votes)
        {
            Append(v.Body, v.Signature, 101);
        }

        _json = new DaoBundle(state.DaoId, _events, [], []).ToJson();
    }

    [Benchmark]
    public ulong Tally()
    {
        var state = new DaoState();
        foreach (var e in _events)
        {
            state.Apply(e, signatureVerified: true);
        }

        ulong yes = 0;
        foreach (var p in state.Proposals)
        {
            yes += state.Tally(p).Yes;
        }

        return yes;
    }

    [Benchmark]
    public bool VerifyBundle() => Verify(new DaoVerifierOptions());

    [Benchmark(Baseline = true)]
    public bool VerifyBundleOneByOne() => Verify(new DaoVerifierOptions(BatchSize: 1));

    private bool Verify(DaoVerifierOptions options)
    {
        var result = DaoVerifier.VerifyAsync(DaoBundle.Parse(_json), null, options, CancellationToken.None).GetAwaiter().GetResult();
        return result.Ok && result.Signatures == Members * Proposals + Proposals ? true : throw new InvalidOperationException("the bundle did not verify: " + result.Error);
    }
}
