using System.Globalization;
using OPSource.Bitcoin.Keys;
using OPSource.Platform.Errors;
using OPSource.Platform.Install;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary>
/// <c>opsource install</c>'s wallet step: create a wallet from a new mnemonic (BIP86 taproot by default; the words are
/// shown once), restore one from a mnemonic, or import a watch-only descriptor; or skip. The mnemonic and passphrases
/// are secret answers (never echoed, logged or planned).
/// </summary>
public sealed class WalletInstallStep(WalletService wallets) : IInstallStep
{
    /// <inheritdoc />
    public string Id => "wallet";

    /// <inheritdoc />
    public string Title => "Wallet";

    /// <inheritdoc />
    public int Order => 300;

    /// <inheritdoc />
    public IReadOnlyList<InstallQuestion> Questions { get; } =
    [
        new("mode", "Create a new wallet, restore one from a mnemonic, import a watch-only descriptor, or skip?")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["create", "restore", "watch-only", "skip"],
            Default = _ => "create",
        },
        new("name", "Wallet name")
        {
            Default = _ => "default",
            Validate = (answer, _) => WalletService.IsValidName(answer) ? null : "1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit",
            When = a => a.Get("mode") != "skip",
        },
        new("template", "Address type: bip86 (taproot), bip84 (native segwit), bip49 (nested segwit) or bip44 (legacy)")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["bip86", "bip84", "bip49", "bip44"],
            Default = _ => "bip86",
            When = a => a.Get("mode") is "create" or "restore",
        },
        new("words", "Mnemonic length in words")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["12", "15", "18", "21", "24"],
            Default = _ => "24",
            When = a => a.Get("mode") == "create",
        },
        new("mnemonic", "The BIP39 mnemonic to restore")
        {
            Kind = InstallQuestionKind.Secret,
            Help = "words separated by spaces; never shown or logged",
            When = a => a.Get("mode") == "restore",
        },
        new("bip39_passphrase", "BIP39 passphrase (the optional \"25th word\"; empty for none)")
        {
            Kind = InstallQuestionKind.Secret,
            Optional = true,
            When = a => a.Get("mode") is "create" or "restore",
        },
        new("passphrase", "Wallet passphrase (encrypts the seed on disk; needed to sign)")
        {
            Kind = InstallQuestionKind.Secret,
            When = a => a.Get("mode") is "create" or "restore",
        },
        new("descriptor", "Public descriptor (e.g. a multipath tr([fp/86h/0h/0h]xpub.../<0;1>/*))")
        {
            When = a => a.Get("mode") == "watch-only",
        },
        new("birthday", "First block height that can hold the wallet's transactions (empty: the tip for a new wallet, genesis otherwise)")
        {
            Kind = InstallQuestionKind.Integer,
            Optional = true,
            Validate = (answer, _) => long.TryParse(answer, NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h <= int.MaxValue ? null : "a height is a whole number >= 0",
            When = a => a.Get("mode") != "skip",
        },
    ];

    /// <inheritdoc />
    public async Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.DatabaseReady)
        {
            return InstallStepState.NotConfigured("no database yet");
        }

        var names = await wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false);
        return names.Count == 0
            ? InstallStepState.NotConfigured("no wallet")
            : new InstallStepState(true, [$"wallets: {string.Join(", ", names)}"]);
    }

    /// <inheritdoc />
    public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var mode = answers.Get("mode") ?? "create";
        var name = answers.Get("name") ?? "default";
        var template = answers.Get("template") ?? "bip86";
        return Task.FromResult(mode switch
        {
            "create" => InstallPlan.Of($"create wallet '{name}' ({template}) from a new {answers.Get("words") ?? "24"}-word mnemonic, shown once", "encrypt the seed with the passphrase (Argon2id + XChaCha20-Poly1305)"),
            "restore" => InstallPlan.Of($"restore wallet '{name}' ({template}) from the mnemonic", "encrypt the seed with the passphrase (Argon2id + XChaCha20-Poly1305)", "scan the chain from the birthday when the server syncs"),
            "watch-only" => InstallPlan.Of($"import watch-only wallet '{name}' from the descriptor"),
            _ => InstallPlan.Of("no wallet changes"),
        });
    }

    /// <inheritdoc />
    public async Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var mode = answers.Get("mode") ?? "create";
        if (mode == "skip")
        {
            return InstallStepResult.Of(["wallet: skipped"], new Dictionary<string, string?>());
        }

        var name = answers.Require("name");
        int? birthday = answers.GetInt64("birthday") is { } b ? (int)b : null;
        if (mode == "watch-only")
        {
            await wallets.ImportAsync(new ImportWalletRequest { Name = name, Descriptor = answers.Require("descriptor"), BirthdayHeight = birthday }, ReadOnlyMemory<char>.Empty, cancellationToken).ConfigureAwait(false);
            return InstallStepResult.Of([$"imported watch-only wallet '{name}'"], new Dictionary<string, string?>());
        }

        if (!DescriptorTemplates.TryParse(answers.Get("template"), out var template))
        {
            template = WalletTemplate.Bip86;
        }

        var request = new CreateWalletRequest
        {
            Name = name,
            Template = template,
            WordCount = int.TryParse(answers.Get("words"), NumberStyles.None, CultureInfo.InvariantCulture, out var words) ? words : 24,
            BirthdayHeight = birthday,
        };
        var passphrase = answers.GetSecret("passphrase");
        var bip39 = answers.GetSecret("bip39_passphrase");
        if (mode == "restore")
        {
            if (!Mnemonic.TryParse(answers.GetSecret("mnemonic").Span, out var mnemonic, out var error))
            {
                throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_answer", "wallet.mnemonic: " + error);
            }

            using (mnemonic)
            {
                await wallets.RestoreAsync(request, mnemonic, passphrase, bip39, cancellationToken).ConfigureAwait(false);
            }

            return InstallStepResult.Of([$"restored wallet '{name}' ({template}); it scans from height {birthday ?? 0} when the server syncs"], new Dictionary<string, string?>());
        }

        var (info, created) = await wallets.CreateAsync(request, passphrase, bip39, cancellationToken).ConfigureAwait(false);
        using (created)
        {
            var phrase = new char[created.PhraseLength];
            created.CopyPhraseTo(phrase);
            var secret = new InstallSecretOutput($"wallet '{name}' mnemonic ({created.WordCount} words)", "write it down and keep it offline: it is the only backup of the wallet and is not shown again", phrase);
            return new InstallStepResult([$"created wallet '{info.Name}' ({template}), first address index 0"], new Dictionary<string, string?>(), [secret]);
        }
    }
}
