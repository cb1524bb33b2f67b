using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Layers.Rsk;
using OPSource.Node;
using OPSource.Platform.Modules;
using OPSource.Storage;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Module;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// The services an OPSource host builds for the node, wallet and rsk modules (through the module contract, on SQLite in a
/// temporary data dir), pointed at a regtest Bitcoin Core node and anvil. No web host: the tests call the services.
/// </summary>
internal sealed class RskHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly string _dataDir;

    private RskHost(ServiceProvider provider, string dataDir)
    {
        _provider = provider;
        _dataDir = dataDir;
    }

    public IServiceProvider Services => _provider;

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    /// <summary>Builds the services and brings the schema up to date; <paramref name="bitcoin"/> null leaves Node unconfigured.</summary>
    public static async Task<RskHost> StartAsync(AnvilNode? anvil, BitcoinCoreNode? bitcoin, CancellationToken ct, IDictionary<string, string?>? extra = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("opsource-rsk-host-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Wallet:KdfMemoryKiB"] = "8192",
            ["Wallet:KdfPasses"] = "1",
            ["Wallet:FallbackFeeRate"] = "2",
            ["Rsk:ChainId"] = "31",
        };
        if (bitcoin is not null)
        {
            settings["Node:RpcUrl"] = bitcoin.RpcUrl.ToString();
            settings["Node:CookieFile"] = bitcoin.CookieFile;
        }

        if (anvil is not null)
        {
            settings["Rsk:NodeUrl"] = anvil.Url.ToString();
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddOpsourceStorage(new StorageOptions(), dataDir);
        var context = new PlatformContext(Network.Regtest, dataDir);
        services.AddSingleton(context);
        services.AddSingleton(context.Network);
        services.AddOpsourceModules([new NodeModule(), new WalletModule(), new RskModule()], configuration, context);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<Migrator>().ApplyAsync(ct);
        return new RskHost(provider, dataDir);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: leave the temp dir to the OS.
        }
    }
}
