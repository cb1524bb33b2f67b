using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Rpc;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// A private anvil (from npm @foundry-rs/anvil-linux-amd64 1.7.1) on 127.0.0.1 for one test class, started as RSK
/// testnet would be addressed: <c>--chain-id 31 --base-fee 0</c>. Its first dev account is unlocked and funded.
/// </summary>
public sealed class AnvilNode : IAsyncLifetime
{
    private Process? _process;

    /// <summary>anvil's first dev account (default mnemonic), unlocked for eth_sendTransaction.</summary>
    public const string DevAccount = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    public Uri Url { get; private set; } = new("http://127.0.0.1:1/");

    public RskRpcClient Rpc { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        RskPeers.Require();
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        var psi = new ProcessStartInfo(RskPeers.AnvilBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--chain-id", "31", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--base-fee", "0", "--silent" })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Rpc = new RskRpcClient(new RskRpcOptions(Url) { MaxRetries = 0, RequestTimeout = TimeSpan.FromSeconds(10) });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await Rpc.GetChainIdAsync(CancellationToken.None);
                return;
            }
            catch (RskException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Funds an address from the dev account with anvil's own signer (eth_sendTransaction) and waits for the receipt.</summary>
    public async Task FundAsync(RskAddress to, System.Numerics.BigInteger wei, CancellationToken ct)
    {
        var hash = await Rpc.RawCallAsync("eth_sendTransaction", [new JsonObject { ["from"] = DevAccount, ["to"] = to.ToString(), ["value"] = "0x" + wei.ToString("x") }], ct);
        var receipt = await Rpc.WaitForReceiptAsync((string)hash!, TimeSpan.FromMilliseconds(50), ct);
        Assert.True(receipt.Succeeded);
    }

    /// <summary>Bridge TEST DOUBLE setup: federation address, minimum peg-in, locking cap, peg-out fees, BTC height.</summary>
    public static readonly AbiFunction Configure = AbiFunction.Parse("testDoubleConfigure(string,int256,int256,uint256,int256)");

    /// <summary>Bridge TEST DOUBLE: the federation registers a peg-in (emits pegin_btc).</summary>
    public static readonly AbiFunction RegisterPegin = AbiFunction.Parse("testDoubleRegisterPegin(string,bytes32,address,int256)");

    /// <summary>Bridge TEST DOUBLE: the federation created the release transaction (emits release_requested).</summary>
    public static readonly AbiFunction ReleaseRequested = AbiFunction.Parse("testDoubleReleaseRequested(bytes32,bytes32,uint256)");

    /// <summary>Bridge TEST DOUBLE: the release transaction is confirmed (emits pegout_confirmed).</summary>
    public static readonly AbiFunction PegoutConfirmed = AbiFunction.Parse("testDoublePegoutConfirmed(bytes32,uint256)");

    /// <summary>
    /// Installs tests/OPSource.Layers.Tests/Rsk/Contracts/BridgeTestDouble.sol at the Bridge's precompile address
    /// (anvil_setCode) and configures it: a TEST DOUBLE of the Bridge's public ABI, not RSK consensus. Minimum peg-in
    /// 500000 sat, locking cap 20000 BTC, peg-out fees 12345 sat, BTC best height 200.
    /// </summary>
    public async Task InstallBridgeTestDoubleAsync(string federation, CancellationToken ct)
    {
        var compiled = await RskPeers.CompileAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "BridgeTestDouble.sol"), ct);
        await Rpc.RawCallAsync("anvil_setCode", [RskAddress.Bridge.ToString(), (string)compiled["BridgeTestDouble"]!["deployed"]!], ct);
        await BridgeTestDoubleCallAsync(Configure.EncodeCall([federation, new BigInteger(500_000), new BigInteger(2_000_000_000_000), new BigInteger(12_345), new BigInteger(200)]), ct);
    }

    /// <summary>Calls the Bridge test double from the dev account (playing the federation) and waits for success.</summary>
    public async Task<RskReceipt> BridgeTestDoubleCallAsync(byte[] data, CancellationToken ct)
    {
        var hash = await Rpc.RawCallAsync("eth_sendTransaction", [new JsonObject { ["from"] = DevAccount, ["to"] = RskAddress.Bridge.ToString(), ["data"] = "0x" + Convert.ToHexStringLower(data) }], ct);
        var receipt = await Rpc.WaitForReceiptAsync((string)hash!, TimeSpan.FromMilliseconds(50), ct);
        Assert.True(receipt.Succeeded);
        return receipt;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Rpc?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
