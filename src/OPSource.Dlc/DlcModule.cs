using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OPSource.Chain;
using OPSource.Dlc.Lifecycle;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;
using OPSource.Dlc.Storage;
using OPSource.Platform.Errors;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Dlc;

/// <summary>The <c>Dlc</c> configuration section.</summary>
public sealed class DlcOptions
{
    /// <summary>File holding the key-store passphrase (first line; preferred: a secret file, not an environment variable).</summary>
    public string? PassphraseFile { get; private init; }

    /// <summary>The key-store passphrase itself (e.g. <c>OPSOURCE_Dlc__Passphrase</c>); never shown.</summary>
    internal string? Passphrase { get; private init; }

    /// <summary>Lowest fee rate accepted from counterparties, sat/vB.</summary>
    public ulong MinFeeRatePerVb { get; private init; } = 1;

    /// <summary>Highest fee rate accepted, sat/vB.</summary>
    public ulong MaxFeeRatePerVb { get; private init; } = 6250;

    /// <summary>Confirmations after which a funded contract is Confirmed.</summary>
    public int MinFundingConfirmations { get; private init; } = 1;

    /// <summary>Argon2id memory of the key store, KiB (applies when the store is created).</summary>
    public long KdfMemoryKiB { get; private init; } = 65536;

    /// <summary>Argon2id passes of the key store.</summary>
    public long KdfPasses { get; private init; } = 3;

    /// <summary>Whether the server follows the chain and closes contracts its own oracle attested (default true).</summary>
    public bool Watch { get; private init; } = true;

    /// <summary>Time between rounds of the server's watch loop (default 10 s).</summary>
    public TimeSpan WatchInterval { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether a passphrase is configured.</summary>
    public bool HasPassphrase => PassphraseFile is not null || Passphrase is not null;

    /// <summary>Parses the section; <paramref name="problems"/> names every invalid setting.</summary>
    public static DlcOptions Parse(IConfiguration section, string dataDir, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var list = new List<string>();
        ulong U64(string key, ulong fallback, ulong min, ulong max)
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text))
            {
                return fallback;
            }

            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            {
                list.Add($"Dlc:{key} '{text}' must be an integer from {min} to {max}");
                return fallback;
            }

            return v;
        }

        var file = section["PassphraseFile"];
        if (!string.IsNullOrWhiteSpace(file))
        {
            file = Path.GetFullPath(Path.Combine(dataDir, file));
            if (!File.Exists(file))
            {
                list.Add($"Dlc:PassphraseFile '{file}' does not exist");
            }
        }

        var watch = true;
        if (section["Watch"] is { Length: > 0 } watchText && !bool.TryParse(watchText, out watch))
        {
            list.Add($"Dlc:Watch '{watchText}' must be true or false");
            watch = true;
        }

        var options = new DlcOptions
        {
            Watch = watch,
            WatchInterval = TimeSpan.FromSeconds(U64("WatchIntervalSeconds", 10, 1, 3600)),
            PassphraseFile = string.IsNullOrWhiteSpace(file) ? null : file,
            Passphrase = string.IsNullOrEmpty(section["Passphrase"]) ? null : section["Passphrase"],
            MinFeeRatePerVb = U64("MinFeeRatePerVb", 1, 1, 100_000),
            MaxFeeRatePerVb = U64("MaxFeeRatePerVb", 6250, 1, 1_000_000),
            MinFundingConfirmations = (int)U64("MinFundingConfirmations", 1, 1, 1000),
            KdfMemoryKiB = (long)U64("KdfMemoryKiB", 65536, 8192, 4L * 1024 * 1024),
            KdfPasses = (long)U64("KdfPasses", 3, 1, 100),
        };
        if (options.MinFeeRatePerVb > options.MaxFeeRatePerVb)
        {
            list.Add("Dlc:MinFeeRatePerVb must not exceed Dlc:MaxFeeRatePerVb");
        }

        problems = list;
        return options;
    }

    /// <summary>The passphrase bytes (UTF-8), read fresh each time; the caller zeroes them. Null when none is configured.</summary>
    internal byte[]? ReadPassphrase()
    {
        if (PassphraseFile is not null)
        {
            // Bytes only (no immutable string): the first line, without its line ending.
            var bytes = File.ReadAllBytes(PassphraseFile);
            var end = Array.IndexOf(bytes, (byte)'\n');
            var length = end < 0 ? bytes.Length : end;
            if (length > 0 && bytes[length - 1] == (byte)'\r')
            {
                length--;
            }

            var line = bytes[..length];
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
            return line;
        }

        return Passphrase is null ? null : Encoding.UTF8.GetBytes(Passphrase);
    }
}

/// <summary>
/// The <c>dlc</c> module: Discreet Log Contracts per the dlcspecs and the built-in oracle. Registers the
/// encrypted key store, the oracle, the contract repository and the life-cycle manager (over the wallet's
/// narrow interfaces and the node when those modules are present), the server's watch loop, the schema, the event topics
/// <c>dlc</c> (<c>dlc:{id}</c>) and <c>oracle</c>, the self-test checks <c>dlc/keystore</c> and
/// <c>dlc/oracle_key</c>, the contract gauges (<see cref="DlcMetrics"/>), and the mapping of its typed errors.
/// </summary>
public sealed class DlcModule : IOpsourceModule
{
    /// <summary>Event topic family of contract state changes (<c>dlc:{id}</c>).</summary>
    public const string Topic = "dlc";

    /// <summary>Event topic of the built-in oracle's announcements and attestations.</summary>
    public const string OracleTopic = "oracle";

    /// <inheritdoc />
    public string Name => DlcMigrations.Module;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = DlcOptions.Parse(registration.Section, registration.Context.DataDir, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        var services = registration.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new DlcKeyStore(sp.GetRequiredService<Database>(), options.ReadPassphrase, new KeyStoreKdf(options.KdfMemoryKiB, options.KdfPasses), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new DlcOracleService(sp.GetRequiredService<Database>(), sp.GetRequiredService<DlcKeyStore>(), sp.GetService<IEventPublisher>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new DlcContractRepository(sp.GetRequiredService<Database>(), sp.GetService<TimeProvider>()));
        var policy = new DlcPolicy(registration.Context.Network, options.MinFeeRatePerVb, options.MaxFeeRatePerVb);
        services.AddSingleton(sp => new DlcManager(
            sp.GetRequiredService<DlcContractRepository>(),
            sp.GetRequiredService<DlcKeyStore>(),
            new DlcManagerOptions(policy, options.MinFundingConfirmations),
            sp.GetService<IWalletFunding>(),
            sp.GetService<IPsbtSigner>(),
            TryGetNode(sp),
            sp.GetRequiredService<DlcOracleService>(),
            sp.GetService<IEventPublisher>()));

        services.AddHostedService(sp => new DlcWatchService(sp.GetRequiredService<DlcManager>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<DlcWatchService>>(), sp.GetService<OPSource.Platform.Leadership.ILeadership>()));

        registration
            .AddMigrations(DlcMigrations.Source)
            .AddSelfTest<DlcKeyStoreCheck>()
            .AddSelfTest<DlcOracleKeyCheck>()
            .AddMeter<DlcMetrics>(DlcMetrics.MeterName)
            .AddEventTopic(Topic, "Contract state changes (dlc.state: offered, accepted, signed, confirmed, closed, refunded)")
            .AddEventTopic(OracleTopic, "The built-in oracle's announcements and attestations (oracle.announced, oracle.attested)")
            .AddErrorMapping<DlcException>(ex => new DomainError(Category(ex.Kind), ex.Code, ex.Message));
        // DlcFormatException is a BitcoinFormatException: the platform maps it (400, code dlc.kind) without a registration.
    }

    /// <summary>The transport category of an error kind (HTTP status, exit code 1).</summary>
    public static ErrorCategory Category(DlcErrorKind kind) => kind switch
    {
        DlcErrorKind.MalformedMessage => ErrorCategory.InvalidInput,
        DlcErrorKind.NotFound => ErrorCategory.NotFound,
        DlcErrorKind.AlreadyExists or DlcErrorKind.InvalidState or DlcErrorKind.AlreadyAttested or DlcErrorKind.KeyStoreLocked => ErrorCategory.Conflict,
        DlcErrorKind.Unavailable => ErrorCategory.Unavailable,
        _ => ErrorCategory.Refused,
    };

    private static IBitcoinNode? TryGetNode(IServiceProvider sp)
    {
        try
        {
            return sp.GetService<IBitcoinNode>();
        }
#pragma warning disable CA1031 // A node that is not configured (or whose settings are unusable) only disables the operations that need it.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}

/// <summary><c>dlc/keystore</c>: a passphrase is configured and opens the key store.</summary>
internal sealed class DlcKeyStoreCheck(DlcKeyStore keys, DlcOptions options) : ISelfTestCheck
{
    public string Component => "dlc";

    public string Name => "keystore";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!options.HasPassphrase)
        {
            return SelfTestResult.Warn("no key-store passphrase configured (Dlc:PassphraseFile); contracts and the oracle cannot sign");
        }

        try
        {
            await keys.VerifyPassphraseAsync(cancellationToken).ConfigureAwait(false);
            return SelfTestResult.Pass("key store opens with the configured passphrase");
        }
        catch (DlcException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }
    }
}

/// <summary><c>dlc/oracle_key</c>: the built-in oracle's key is present and decrypts.</summary>
internal sealed class DlcOracleKeyCheck(DlcOracleService oracle, DlcKeyStore keys, DlcOptions options) : ISelfTestCheck
{
    public string Component => "dlc";

    public string Name => "oracle_key";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!await oracle.HasKeyAsync(cancellationToken).ConfigureAwait(false))
        {
            return SelfTestResult.Skip("the built-in oracle has no key yet (created by the first 'opsource oracle announce')");
        }

        if (!options.HasPassphrase)
        {
            return SelfTestResult.Fail("the oracle key exists but no key-store passphrase is configured");
        }

        try
        {
            using var key = await keys.LoadKeyAsync(DlcOracleService.KeyId, cancellationToken).ConfigureAwait(false);
            return SelfTestResult.Pass("oracle key " + Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes()) + " decrypts");
        }
        catch (DlcException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }
    }
}
