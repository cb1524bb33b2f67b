using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OPSource.Chain;
using OPSource.Dao.Service;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Dao;

/// <summary>The <c>Dao</c> configuration section.</summary>
public sealed class DaoOptions
{
    /// <summary>Operator wallet that pays for anchors at each proposal close (null: anchor only on <c>dao anchor</c>).</summary>
    public string? AnchorWallet { get; init; }

    /// <summary>Fee rate of anchor transactions, sat/vB (default 2).</summary>
    public decimal AnchorFeeRateSatVb { get; init; } = 2;

    /// <summary>Whether the section was written (by the installer or the operator), even with no anchor wallet.</summary>
    public bool Configured { get; init; }

    /// <summary>Parses the section; <paramref name="problems"/> names every invalid setting.</summary>
    public static DaoOptions Parse(IConfiguration section, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var list = new List<string>();
        var rate = 2m;
        if (section["AnchorFeeRateSatVb"] is { Length: > 0 } text &&
            (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate) || rate < 1 || rate > 10_000))
        {
            list.Add($"Dao:AnchorFeeRateSatVb '{text}' must be a number from 1 to 10000");
            rate = 2;
        }

        var wallet = section["AnchorWallet"];
        problems = list;
        return new DaoOptions
        {
            AnchorWallet = string.IsNullOrWhiteSpace(wallet) ? null : wallet.Trim(),
            AnchorFeeRateSatVb = rate,
            Configured = section["AnchorFeeRateSatVb"] is not null || wallet is not null,
        };
    }
}

/// <summary>
/// The <c>dao</c> module: governance with signed votes, a Taproot treasury and anchored, verifiable logs
/// (docs/dao.md). Registers the repository and <see cref="DaoService"/> (over the node and the wallet's narrow
/// interfaces when present), the schema, the event topic family <c>dao</c> (<c>dao:{id}</c>), the self-test
/// check <c>dao/config</c>, the install step <c>dao</c> and the meter <c>OPSource.Dao</c> (open proposals per DAO).
/// </summary>
public sealed class DaoModule : IOpsourceModule
{
    /// <summary>Event topic family (<c>dao:{id}</c>).</summary>
    public const string Topic = "dao";

    /// <inheritdoc />
    public string Name => DaoMigrations.Module;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = DaoOptions.Parse(registration.Section, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        var services = registration.Services;
        var network = registration.Context.Network;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new DaoRepository(sp.GetRequiredService<Database>()));
        services.AddSingleton(sp => new DaoService(
            sp.GetRequiredService<DaoRepository>(),
            options,
            network,
            TryGetNode(sp),
            sp.GetService<IWalletFunding>(),
            sp.GetService<IPsbtSigner>(),
            sp.GetService<IWalletProvisioning>(),
            sp.GetService<IEventPublisher>(),
            sp.GetService<TimeProvider>()));
        registration
            .AddMigrations(DaoMigrations.Source)
            .AddSelfTest<DaoConfigCheck>()
            .AddInstallStep<DaoInstallStep>()
            .AddMeter<DaoMetrics>(DaoMetrics.MeterName)
            .AddEventTopic(Topic, "DAO log events (dao.create, dao.vote, dao.proposal.create, dao.proposal.close, dao.proposal.execute, dao.anchor, ...)");
    }

    internal static IBitcoinNode? TryGetNode(IServiceProvider sp)
    {
        try
        {
            return sp.GetService<IBitcoinNode>();
        }
#pragma warning disable CA1031 // A node that is not configured only disables the operations that need it.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}

/// <summary>
/// <c>dao/config</c>: the configuration is consistent: every stored DAO's log replays (hash chain, signatures,
/// rules), is on this instance's network, its treasury wallet exists, and the anchor wallet (if set) exists.
/// </summary>
internal sealed class DaoConfigCheck(DaoService service, DaoOptions options, IServiceProvider services) : ISelfTestCheck
{
    public string Component => "dao";

    public string Name => "config";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        var provisioning = services.GetService<IWalletProvisioning>();
        var problems = new List<string>();
        if (options.AnchorWallet is { } anchor && provisioning is not null && !await provisioning.ExistsAsync(anchor, cancellationToken).ConfigureAwait(false))
        {
            problems.Add($"Dao:AnchorWallet '{anchor}' is not a wallet");
        }

        var daos = await service.ListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var dao in daos)
        {
            try
            {
                var (record, state, _) = await service.LoadAsync(dao.Id, cancellationToken).ConfigureAwait(false);
                var network = services.GetRequiredService<OPSource.Platform.Modules.PlatformContext>().Network;
                if (state.Network != network)
                {
                    problems.Add($"DAO {dao.Id[..16]} is on {state.Network?.Name}, this instance on {network.Name}");
                }

                if (record.TreasuryWallet is { } wallet && provisioning is not null && !await provisioning.ExistsAsync(wallet, cancellationToken).ConfigureAwait(false))
                {
                    problems.Add($"DAO {dao.Id[..16]}: treasury wallet '{wallet}' is missing");
                }
            }
            catch (OPSource.Platform.Errors.OpsourceException ex)
            {
                problems.Add($"DAO {dao.Id[..16]}: {ex.Message}");
            }
        }

        return problems.Count > 0
            ? SelfTestResult.Fail(string.Join("; ", problems))
            : SelfTestResult.Pass($"{daos.Count} DAO log(s) replay; " + (options.AnchorWallet is null ? "no anchor wallet (anchors on request)" : $"anchors paid by '{options.AnchorWallet}'"));
    }
}

/// <summary>The installer's <c>dao</c> step: which operator wallet pays for anchors, and at what fee rate.</summary>
public sealed class DaoInstallStep(DaoOptions options) : IInstallStep
{
    /// <inheritdoc />
    public string Id => "dao";

    /// <inheritdoc />
    public string Title => "DAO anchoring";

    /// <inheritdoc />
    public int Order => 420;

    /// <inheritdoc />
    public IReadOnlyList<InstallQuestion> Questions =>
    [
        new("anchor_wallet", "Wallet that pays for anchoring DAO logs at each proposal close (empty: anchor only on request)")
        {
            Default = _ => options.AnchorWallet ?? "",
            Optional = true,
            Validate = (v, _) => v.Length > 64 ? "a wallet name has at most 64 characters" : null,
        },
        new("anchor_fee_rate", "Anchor fee rate, sat/vB")
        {
            Kind = InstallQuestionKind.Integer,
            Default = _ => ((long)options.AnchorFeeRateSatVb).ToString(CultureInfo.InvariantCulture),
            Validate = (v, _) => long.Parse(v, CultureInfo.InvariantCulture) is < 1 or > 10_000 ? "must be from 1 to 10000" : null,
        },
    ];

    /// <inheritdoc />
    public Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken) =>
        Task.FromResult(options switch
        {
            { AnchorWallet: { } wallet } => new InstallStepState(true, [$"anchors paid by '{wallet}' at {options.AnchorFeeRateSatVb} sat/vB"]),
            { Configured: true } => new InstallStepState(true, [$"no anchor wallet: logs are anchored only by 'opsource dao anchor', at {options.AnchorFeeRateSatVb} sat/vB"]),
            _ => InstallStepState.NotConfigured("no anchor wallet: logs are anchored only by 'opsource dao anchor'"),
        });

    /// <inheritdoc />
    public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        return Task.FromResult(new InstallPlan([$"write Dao:AnchorWallet = '{answers.Get("anchor_wallet")}', Dao:AnchorFeeRateSatVb = {answers.Get("anchor_fee_rate")}"], Settings(answers)));
    }

    /// <inheritdoc />
    public Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        return Task.FromResult(InstallStepResult.Of([$"DAO anchors: {(string.IsNullOrEmpty(answers.Get("anchor_wallet")) ? "on request" : "wallet " + answers.Get("anchor_wallet"))}"], Settings(answers)));
    }

    private static Dictionary<string, string?> Settings(InstallAnswers answers) => new()
    {
        ["Dao:AnchorWallet"] = string.IsNullOrEmpty(answers.Get("anchor_wallet")) ? null : answers.Get("anchor_wallet"),
        ["Dao:AnchorFeeRateSatVb"] = answers.Get("anchor_fee_rate"),
    };
}
