using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain.Rpc;
using OPSource.TestSupport.Peers;

namespace OPSource.Benchmarks;

/// <summary>
/// RPC throughput against a private Bitcoin Core v29.2 regtest node on 127.0.0.1: 200 <c>getblockhash</c> and 200
/// <c>getblock</c> (verbosity 0, parsed) calls, one request each (sequential) versus JSON-RPC batches.
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*RpcThroughput*' --job short
/// </summary>
[MemoryDiagnoser]
public class RpcThroughputBenchmarks
{
    private const int Blocks = 200;
    private BitcoinCoreNode _node = null!;
    private BitcoinRpcClient _client = null!;
    private int[] _heights = [];
    private BlockHash[] _hashes = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _node = new BitcoinCoreNode();
        await _node.StartAsync();
        _client = new BitcoinRpcClient(new BitcoinRpcClientOptions(_node.RpcUrl, RpcCredentials.FromCookieFile(_node.CookieFile)));
        await _node.CreateWalletAsync("w");
        var address = Address.Parse((string)(await _node.WalletRpc("w", "getnewaddress"))!, Network.Regtest);
        await _client.GenerateToAddressAsync(Blocks, address, CancellationToken.None);
        _heights = [.. Enumerable.Range(1, Blocks)];
        _hashes = [.. await _client.GetBlockHashesAsync(_heights, CancellationToken.None)];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _node.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Blocks)]
    public async Task<BlockHash> GetBlockHashSingle()
    {
        BlockHash last = default;
        foreach (var h in _heights)
        {
            last = await _client.GetBlockHashAsync(h, CancellationToken.None);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Blocks)]
    public async Task<BlockHash> GetBlockHashBatched() =>
        (await _client.GetBlockHashesAsync(_heights, CancellationToken.None))[^1];

    [Benchmark(OperationsPerInvoke = Blocks)]
    public async Task<Block> GetBlockSingle()
    {
        Block last = null!;
        foreach (var hash in _hashes)
        {
            last = await _client.GetBlockAsync(hash, CancellationToken.None);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Blocks)]
    public async Task<Block> GetBlockBatched() =>
        (await _client.GetBlocksAsync(_hashes, CancellationToken.None))[^1];
}
