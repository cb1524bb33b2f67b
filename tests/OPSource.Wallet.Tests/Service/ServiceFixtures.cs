using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Wallet.Keys;
using OPSource.Wallet.Persistence;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Persistence;

namespace OPSource.Wallet.Tests.Service;

/// <summary>Collects every log line a service writes (to check that none carries a secret).</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel} {typeof(T).Name} {formatter(state, exception)} {exception}");
}

/// <summary>A wallet service over a fresh database, without a node (or with the given one).</summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    private ServiceHarness(WalletDatabase db, WalletService service, CapturingLogger<WalletService> logs)
    {
        Db = db;
        Service = service;
        Logs = logs;
    }

    public WalletDatabase Db { get; }

    public WalletService Service { get; }

    public CapturingLogger<WalletService> Logs { get; }

    public static readonly WalletOptions Options = new() { KdfCost = KdfCost.Minimum, FallbackFeeRate = new FeeRate(2000) };

    public static async Task<ServiceHarness> CreateAsync(string provider, Func<IBitcoinNode>? node = null, TimeProvider? time = null, WalletOptions? options = null)
    {
        var db = await WalletDatabase.CreateAsync(provider);
        var logs = new CapturingLogger<WalletService>();
        var service = new WalletService(new WalletStore(db.Database), options ?? Options, Network.Regtest, time ?? TimeProvider.System,
            node ?? (() => throw new BitcoinRpcException("node", "no node in this test")), logs);
        return new ServiceHarness(db, service, logs);
    }

    /// <summary>A second service on the same database (another process sharing it).</summary>
    public WalletService Another(Func<IBitcoinNode>? node = null) =>
        new(new WalletStore(Db.Database), Options, Network.Regtest, TimeProvider.System, node ?? (() => throw new BitcoinRpcException("node", "no node in this test")));

    private static int _counter;

    /// <summary>Connects a made-up block at the wallet's tip + 1 paying the given scripts.</summary>
    public static async Task<Transaction> FundAsync(WalletService service, string wallet, params (Script Spk, long Sats)[] outputs)
    {
        var input = new OutPoint(new TxId(new UInt256(SHA256.HashData(BitConverter.GetBytes(Interlocked.Increment(ref _counter) + 1_000_000)))), 0);
        var tx = new Transaction(2, [new TxIn(input)], outputs.Select(o => new TxOut(Amount.FromSatoshis(o.Sats), o.Spk)), LockTime.Zero);
        await MineAsync(service, wallet, tx);
        return tx;
    }

    public static async Task MineAsync(WalletService service, string wallet, params Transaction[] txs)
    {
        var tip = (await service.GetInfoAsync(wallet, CancellationToken.None)).Tip;
        await service.ApplyBlockAsync(wallet, tip.Height + 1, await NextBlockAsync(service, wallet, txs), CancellationToken.None);
    }

    /// <summary>A made-up block on the wallet's tip holding a coinbase and the transactions.</summary>
    public static async Task<Block> NextBlockAsync(WalletService service, string wallet, params Transaction[] txs)
    {
        var tip = (await service.GetInfoAsync(wallet, CancellationToken.None)).Tip;
        var coinbase = new Transaction(2, [new TxIn(OutPoint.Null, new ScriptBuilder().PushNumber(tip.Height + 1).Build(), Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(50_0000_0000), Script.FromHex("51"))], LockTime.Zero);
        var header = new BlockHeader(4, tip.Hash, default, (uint)(1_700_000_000 + (tip.Height * 600)), 0x207fffff, 0);
        return new Block(header, [coinbase, .. txs]);
    }

    public async ValueTask DisposeAsync()
    {
        Service.Dispose();
        await Db.DisposeAsync();
    }
}
