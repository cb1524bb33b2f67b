using System.Globalization;
using OPSource.Platform.Funding;
using OPSource.Platform.SelfTest;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary><c>wallet/store</c>: every stored wallet loads (its descriptors parse, its state rebuilds).</summary>
public sealed class WalletStoreCheck(WalletService wallets) : ISelfTestCheck
{
    /// <inheritdoc />
    public string Component => "wallet";

    /// <inheritdoc />
    public string Name => "store";

    /// <inheritdoc />
    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        var names = await wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false);
        if (names.Count == 0)
        {
            return SelfTestResult.Warn("no wallet yet (opsource wallet create, or opsource install)");
        }

        var failed = new List<string>();
        foreach (var name in names)
        {
            try
            {
                await wallets.GetInfoAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (WalletOperationException ex)
            {
                failed.Add(ex.Message);
            }
        }

        return failed.Count == 0
            ? SelfTestResult.Pass(string.Create(CultureInfo.InvariantCulture, $"{names.Count} wallet(s) load: {string.Join(", ", names)}"))
            : SelfTestResult.Fail(string.Join("; ", failed));
    }
}

/// <summary>
/// <c>wallet/seed_decryptable</c>: with the passphrase given to <c>opsource test</c>, every wallet holding keys opens
/// its encrypted secret and the keys match its descriptors (skipped without a passphrase).
/// </summary>
public sealed class WalletSeedCheck(WalletService wallets) : ISelfTestCheck
{
    /// <inheritdoc />
    public string Component => "wallet";

    /// <inheritdoc />
    public string Name => "seed_decryptable";

    /// <inheritdoc />
    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.WalletPassphrase is not { } passphrase || passphrase.IsEmpty)
        {
            return SelfTestResult.Skip("no wallet passphrase given");
        }

        var opened = new List<string>();
        var wrong = new List<string>();
        foreach (var info in await wallets.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (info.WatchOnly)
            {
                continue;
            }

            try
            {
                if (await wallets.VerifyPassphraseAsync(info.Name, passphrase, cancellationToken).ConfigureAwait(false))
                {
                    opened.Add(info.Name);
                }
                else
                {
                    wrong.Add(info.Name);
                }
            }
            catch (WalletOperationException ex)
            {
                return SelfTestResult.Fail(ex.Message);
            }
        }

        if (opened.Count == 0 && wrong.Count == 0)
        {
            return SelfTestResult.Skip("no wallet holds keys (watch-only only)");
        }

        return wrong.Count == 0
            ? SelfTestResult.Pass("seed decrypts with the given passphrase: " + string.Join(", ", opened))
            : SelfTestResult.Fail("the passphrase does not open wallet(s) " + string.Join(", ", wrong) + (opened.Count > 0 ? "; it opens " + string.Join(", ", opened) : ""));
    }
}
