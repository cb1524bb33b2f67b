using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Model;
using OPSource.Chain.Rpc;
using OPSource.Platform.Errors;
using OPSource.Platform.Fees;
using OPSource.Platform.Funding;
using OPSource.Wallet.Keys;
using OPSource.Wallet.Persistence;
using OPSource.Wallet.Signing;

namespace OPSource.Wallet.Service;

/// <summary>
/// The wallets of one installation (one database), for the hosts and for modules above the wallet: create, restore and
/// import wallets, hand out addresses, report balances and history, build, sign and broadcast transactions, follow the
/// node, and fund and sign transactions other modules assemble (<see cref="IWalletFunding"/>, <see cref="IPsbtSigner"/>).
/// <para>
/// Each wallet is a <see cref="DescriptorWallet"/> loaded from <see cref="WalletStore"/> and guarded by its own gate.
/// Every change is saved as one changeset in one database transaction before the call returns, conditional on the
/// stored revision the wallet was loaded at: when another process (the CLI next to the server, a second server on
/// PostgreSQL) saved first, the wallet is reloaded and the change applied again. Private keys stay encrypted at rest
/// (<see cref="SecretEnvelope"/>); <see cref="UnlockAsync"/> keeps them in memory of this process for a bounded time.
/// </para>
/// </summary>
public sealed partial class WalletService : IWalletFunding, IPsbtSigner, IDisposable
{
    private readonly WalletStore _store;
    private readonly WalletOptions _options;
    private readonly Network _network;
    private readonly TimeProvider _time;
    private readonly Func<IBitcoinNode> _node;
    private readonly ILogger _logger;
    private readonly IFeeRateAdvisor? _feeAdvisor;
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Creates the service.</summary>
    /// <param name="store">Wallet persistence.</param>
    /// <param name="options">The <c>Wallet</c> settings.</param>
    /// <param name="network">The installation's network.</param>
    /// <param name="time">Clock (unlock periods, last-seen times, anti-fee-sniping).</param>
    /// <param name="node">Resolves the node (throws when none is configured; only called when needed).</param>
    /// <param name="logger">Logger (never given secrets).</param>
    /// <param name="feeAdvisor">Consulted for a rate before the node's estimate (the ML fee model), or null.</param>
    public WalletService(WalletStore store, WalletOptions options, Network network, TimeProvider time, Func<IBitcoinNode> node, ILogger<WalletService>? logger = null, IFeeRateAdvisor? feeAdvisor = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(node);
        _store = store;
        _options = options;
        _network = network;
        _time = time;
        _node = node;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _feeAdvisor = feeAdvisor;
    }

    /// <summary>The installation's network.</summary>
    public Network Network => _network;

    /// <summary>The settings.</summary>
    public WalletOptions Options => _options;

    // ------------------------------------------------------------------ creation

    /// <summary>
    /// Creates a wallet from a new BIP39 mnemonic (OS CSPRNG). The mnemonic is returned once: show it to the operator
    /// and dispose it; the wallet keeps it only encrypted under <paramref name="passphrase"/>.
    /// </summary>
    /// <exception cref="WalletOperationException">Bad name or passphrase, a wallet of that name exists.</exception>
    public async Task<(WalletInfo Wallet, Mnemonic Mnemonic)> CreateAsync(CreateWalletRequest request, ReadOnlyMemory<char> passphrase, ReadOnlyMemory<char> bip39Passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Mnemonic.ValidWordCounts.Contains(request.WordCount))
        {
            throw Invalid($"wallet create: {request.WordCount} words; BIP39 allows 12, 15, 18, 21 or 24");
        }

        var mnemonic = Mnemonic.Generate(request.WordCount);
        try
        {
            var birthday = request.BirthdayHeight ?? -1;
            var info = await CreateFromMnemonicAsync(request, mnemonic, passphrase, bip39Passphrase, birthday, useNodeTip: request.BirthdayHeight is null, cancellationToken).ConfigureAwait(false);
            return (info, mnemonic);
        }
        catch
        {
            mnemonic.Dispose();
            throw;
        }
    }

    /// <summary>Restores a wallet from a BIP39 mnemonic (and its optional BIP39 passphrase); the sync then scans from the birthday (default genesis).</summary>
    /// <exception cref="WalletOperationException">Bad name or passphrase, a wallet of that name exists.</exception>
    public Task<WalletInfo> RestoreAsync(CreateWalletRequest request, Mnemonic mnemonic, ReadOnlyMemory<char> passphrase, ReadOnlyMemory<char> bip39Passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(mnemonic);
        return CreateFromMnemonicAsync(request, mnemonic, passphrase, bip39Passphrase, request.BirthdayHeight ?? 0, useNodeTip: false, cancellationToken);
    }

    /// <summary>
    /// Creates a wallet from descriptors: watch-only when they hold public keys only (xpubs, a multisig of other
    /// people's keys), otherwise the private keys are encrypted under <paramref name="passphrase"/> and only the
    /// public descriptors are stored in clear.
    /// </summary>
    /// <exception cref="WalletOperationException">Bad name, descriptor or passphrase; a wallet of that name exists.</exception>
    public async Task<WalletInfo> ImportAsync(ImportWalletRequest request, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckName(request.Name);
        var external = ParseDescriptor(request.Descriptor, "descriptor");
        var @internal = request.ChangeDescriptor is { } c ? ParseDescriptor(c, "change descriptor") : null;
        CheckBirthday(request.BirthdayHeight);
        var secrets = new List<DescriptorSecret>();
        byte[]? envelope = null;
        KeyFingerprint[] fingerprints = [];
        try
        {
            secrets.AddRange(external.GetSecrets());
            if (@internal is not null)
            {
                secrets.AddRange(@internal.GetSecrets());
            }

            if (secrets.Count > 0)
            {
                RequirePassphrase(passphrase, "the descriptors hold private keys");
                var plaintext = WalletSecret.EncodeKeys(secrets);
                try
                {
                    envelope = Seal(plaintext, passphrase);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }

                fingerprints = [.. secrets.Where(s => s.Origin is not null).Select(s => s.Origin!.MasterFingerprint).Distinct()];
            }
            else if (!passphrase.IsEmpty)
            {
                throw Invalid("wallet import: the descriptors hold no private keys (a watch-only wallet has no passphrase)");
            }
        }
        finally
        {
            foreach (var s in secrets)
            {
                s.Dispose();
            }
        }

        // The wallet core and the store only ever see the public forms.
        var publicExternal = PublicForm(external);
        var publicInternal = @internal is null ? null : PublicForm(@internal);
        return await StoreNewAsync(request.Name, publicExternal, publicInternal, envelope, envelope is null ? null : "keys", fingerprints, request.BirthdayHeight ?? 0, useNodeTip: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WalletInfo> CreateFromMnemonicAsync(CreateWalletRequest request, Mnemonic mnemonic, ReadOnlyMemory<char> passphrase, ReadOnlyMemory<char> bip39Passphrase, int birthday, bool useNodeTip, CancellationToken cancellationToken)
    {
        CheckName(request.Name);
        CheckBirthday(request.BirthdayHeight);
        RequirePassphrase(passphrase, "it encrypts the seed");
        Descriptor external, @internal;
        byte[] envelope;
        KeyFingerprint fingerprint;
        try
        {
            using var seed = mnemonic.DeriveSeed(bip39Passphrase.Span);
            using var master = ExtKey.CreateMaster(seed);
            fingerprint = master.Fingerprint;
            (external, @internal) = DescriptorTemplates.Account(master, request.Template, _network, request.Account);
            var plaintext = WalletSecret.EncodeBip39(mnemonic, seed);
            try
            {
                envelope = Seal(plaintext, passphrase);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        catch (ArgumentException ex)
        {
            // Invalid Unicode in the BIP39 passphrase (the message names the position, never the text).
            throw Invalid("wallet: " + ex.Message.Split(" (Parameter", 2)[0]);
        }

        return await StoreNewAsync(request.Name, external, @internal, envelope, "bip39", [fingerprint], birthday, useNodeTip, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WalletInfo> StoreNewAsync(string name, Descriptor external, Descriptor? @internal, byte[]? envelope, string? kind, KeyFingerprint[] fingerprints, int birthday, bool useNodeTip, CancellationToken cancellationToken)
    {
        DescriptorWallet core;
        try
        {
            core = DescriptorWallet.Create(external, @internal, _network, out _, CoreOptions(fingerprints));
        }
        catch (WalletCoreException ex)
        {
            throw new WalletOperationException(ex.Kind, ex.Message);
        }

        if (useNodeTip && await TryGetNodeTipAsync(cancellationToken).ConfigureAwait(false) is { } tip)
        {
            // A new wallet has no history: start at the node's tip instead of scanning the whole chain.
            birthday = tip.Height;
            if (tip.Height > 0)
            {
                core.ApplyChainUpdate(CheckPoint.FromBlocks([core.Chain.Genesis, tip])!);
            }
        }

        var initial = core.TakeStaged();
        var stored = new StoredWallet(name, _network.Name, core.External.ToString(), core.Internal?.ToString(), birthday, _time.GetUtcNow(), envelope)
        {
            SecretKind = kind,
            SigningFingerprints = fingerprints,
        };
        await _store.CreateAsync(stored, initial, cancellationToken).ConfigureAwait(false);
        LogCreated(_logger, name, kind ?? "watch-only", birthday);
        return await GetInfoAsync(name, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BlockId?> TryGetNodeTipAsync(CancellationToken cancellationToken)
    {
        try
        {
            var node = _node();
            var hash = await node.GetBestBlockHashAsync(cancellationToken).ConfigureAwait(false);
            var header = await node.GetBlockHeaderAsync(hash, cancellationToken).ConfigureAwait(false);
            return new BlockId(header.Height, hash);
        }
        catch (BitcoinRpcException ex)
        {
            LogNodeUnavailable(_logger, ex.Message);
            return null;
        }
    }

    private Descriptor ParseDescriptor(string text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid($"{what}: is empty");
        }

        if (Descriptor.TryParse(text.Trim(), _network, out var d, out var error))
        {
            return d;
        }

        // The parser's messages never echo key material; tell a network mismatch apart for its error code.
        var kind = Descriptor.TryParse(text.Trim(), out _, out _) ? WalletErrorKind.WrongNetwork : WalletErrorKind.InvalidRequest;
        throw new WalletOperationException(kind, $"{what}: {error}", error);
    }

    private Descriptor PublicForm(Descriptor d) =>
        d.HasPrivateKeys ? Descriptor.Parse(d.ToNormalizedString(), _network) : d;

    private byte[] Seal(byte[] plaintext, ReadOnlyMemory<char> passphrase)
    {
        try
        {
            return SecretEnvelope.Seal(plaintext, passphrase.Span, _options.KdfCost);
        }
        catch (ArgumentException ex)
        {
            throw Invalid(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static void RequirePassphrase(ReadOnlyMemory<char> passphrase, string why)
    {
        if (passphrase.IsEmpty || passphrase.Span.IsWhiteSpace())
        {
            throw Invalid($"wallet: a passphrase is required ({why})");
        }
    }

    private static void CheckBirthday(int? birthday)
    {
        if (birthday is < 0)
        {
            throw Invalid("wallet: the birthday height must not be negative");
        }
    }

    /// <summary>True for a valid wallet name.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private static void CheckName(string? name)
    {
        if (!IsValidName(name))
        {
            throw Invalid("wallet name must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    // ------------------------------------------------------------------ reading

    /// <summary>The stored wallets' names.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken) =>
        [.. (await _store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(w => w.Name)];

    /// <summary>
    /// The stored revision of a wallet (one query; it grows with every saved change, by any process), or null when there
    /// is no such wallet: a cheap way to tell whether anything changed since a previous look.
    /// </summary>
    public Task<long?> GetRevisionAsync(string name, CancellationToken cancellationToken) => _store.GetRevisionAsync(name, cancellationToken);

    /// <summary>Every wallet with its balance.</summary>
    public async Task<IReadOnlyList<WalletInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<WalletInfo>();
        foreach (var name in await ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(await GetInfoAsync(name, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>One wallet's summary.</summary>
    /// <exception cref="WalletOperationException">No such wallet.</exception>
    public Task<WalletInfo> GetInfoAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => new WalletInfo
        {
            Name = slot.Name,
            Network = slot.Meta!.Network,
            ExternalDescriptor = slot.Meta.ExternalDescriptor,
            InternalDescriptor = slot.Meta.InternalDescriptor,
            WatchOnly = slot.Meta.IsWatchOnly,
            SecretKind = slot.Meta.SecretKind,
            BirthdayHeight = slot.Meta.BirthdayHeight,
            CreatedAt = slot.Meta.CreatedAt,
            Tip = slot.Core!.Tip,
            Balance = slot.Core.GetBalance(),
            TransactionCount = slot.Core.ListTransactions().Count,
            UtxoCount = slot.Core.ListUnspent().Count,
            UnlockedUntil = slot.KeysValid(_time.GetUtcNow()) ? slot.UnlockedUntil : (DateTimeOffset?)null,
        }, cancellationToken);

    /// <summary>Balances (Core <c>getbalances</c>).</summary>
    public Task<WalletBalance> GetBalanceAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => slot.Core!.GetBalance(), cancellationToken);

    /// <summary>Unspent outputs.</summary>
    public Task<IReadOnlyList<WalletUtxo>> ListUnspentAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => slot.Core!.ListUnspent(), cancellationToken);

    /// <summary>Canonical transactions, oldest first.</summary>
    public Task<IReadOnlyList<WalletTransaction>> ListTransactionsAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => slot.Core!.ListTransactions(), cancellationToken);

    /// <summary>One transaction (canonical or not), or null.</summary>
    public Task<WalletTransaction?> GetTransactionAsync(string name, TxId txid, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => slot.Core!.GetTransaction(txid), cancellationToken);

    /// <summary>The revealed addresses of a keychain.</summary>
    public Task<IReadOnlyList<WalletAddress>> ListAddressesAsync(string name, WalletKeychain keychain, CancellationToken cancellationToken) =>
        ReadAsync(name, slot => slot.Core!.ListAddresses(keychain), cancellationToken);

    /// <summary>The wallet's public descriptors (Core <c>listdescriptors</c>).</summary>
    public Task<IReadOnlyList<ExportedDescriptor>> ExportDescriptorsAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ExportedDescriptor>>(name, slot =>
        {
            var core = slot.Core!;
            var list = new List<ExportedDescriptor>();
            foreach (var (keychain, d) in core.Index.Keychains)
            {
                var last = core.Index.LastRevealed(keychain);
                var next = last is { } l ? l + 1 : 0u;
                list.Add(new ExportedDescriptor(d.ToString(), keychain == WalletKeychain.Internal, d.IsRange ? next + _options.GapLimit - 1 : (uint?)null, next, slot.Meta!.BirthdayHeight));
            }

            return list;
        }, cancellationToken);

    /// <summary>The wallet core as loaded now (a snapshot for read-only use by tests and benchmarks; do not mutate).</summary>
    internal Task<DescriptorWallet> GetCoreAsync(string name, CancellationToken cancellationToken) => ReadAsync(name, slot => slot.Core!, cancellationToken);

    // ------------------------------------------------------------------ addresses, labels, locks

    /// <summary>Hands out the next address of a keychain (saved before it is returned, so it is never handed out twice).</summary>
    public Task<WalletAddress> GetNewAddressAsync(string name, WalletKeychain keychain, CancellationToken cancellationToken) =>
        MutateAsync(name, core => core.RevealNextAddress(keychain), cancellationToken);

    /// <summary>The lowest revealed address nobody paid yet, or a new one.</summary>
    public Task<WalletAddress> GetUnusedAddressAsync(string name, WalletKeychain keychain, CancellationToken cancellationToken) =>
        MutateAsync(name, core => core.NextUnusedAddress(keychain), cancellationToken);

    /// <summary>Sets labels (a null text and no spendable flag removes one).</summary>
    public Task SetLabelsAsync(string name, IReadOnlyList<WalletLabel> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return MutateAsync(name, core =>
        {
            foreach (var label in labels)
            {
                core.SetLabel(label);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Every label.</summary>
    public Task<IReadOnlyList<WalletLabel>> ListLabelsAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<WalletLabel>>(name, slot => [.. slot.Core!.Labels.OrderBy(l => l.Type, StringComparer.Ordinal).ThenBy(l => l.Ref, StringComparer.Ordinal)], cancellationToken);

    /// <summary>Locks or unlocks coins (Core <c>lockunspent</c>); locked coins are never chosen automatically.</summary>
    /// <exception cref="WalletOperationException">A coin is not an unspent output of the wallet (when locking).</exception>
    public Task SetLockedAsync(string name, IReadOnlyCollection<OutPoint> outPoints, bool locked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outPoints);
        return MutateAsync(name, core =>
        {
            if (locked)
            {
                var unspent = core.ListUnspent().Select(u => u.OutPoint).ToHashSet();
                foreach (var op in outPoints)
                {
                    if (!unspent.Contains(op))
                    {
                        throw Invalid($"lock: {op} is not an unspent output of this wallet");
                    }
                }
            }

            core.SetLocked(outPoints, locked);
            return true;
        }, cancellationToken);
    }

    // ------------------------------------------------------------------ keys

    /// <summary>
    /// Decrypts the wallet's keys and keeps them in this process's memory for <paramref name="duration"/> (at most
    /// <c>Wallet:MaxUnlockSeconds</c>); they are wiped when it ends or on <see cref="Lock"/>.
    /// </summary>
    /// <exception cref="WalletOperationException">No such wallet, watch-only, wrong passphrase, bad duration.</exception>
    public async Task<DateTimeOffset> UnlockAsync(string name, ReadOnlyMemory<char> passphrase, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero || duration.TotalSeconds > _options.MaxUnlockSeconds)
        {
            throw Invalid($"unlock: the duration must be between 1 second and {_options.MaxUnlockSeconds} seconds (Wallet:MaxUnlockSeconds)");
        }

        return await WithWalletAsync(name, slot =>
        {
            var ring = OpenKeys(slot, passphrase);
            var until = _time.GetUtcNow() + duration;
            slot.SetKeys(ring, until, _time.CreateTimer(_ => ExpireKeys(slot), null, duration, Timeout.InfiniteTimeSpan));
            LogUnlocked(_logger, name, until);
            return Task.FromResult(until);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wipes the wallet's keys from memory now (true when they were held).</summary>
    public bool Lock(string name)
    {
        if (!_slots.TryGetValue(name, out var slot))
        {
            return false;
        }

        slot.Gate.Wait();
        try
        {
            return slot.ClearKeys();
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// Checks a passphrase against a wallet's encrypted secret without keeping anything (the self-test): true when it
    /// opens and the keys match the wallet's descriptors.
    /// </summary>
    /// <exception cref="WalletOperationException">No such wallet, or watch-only.</exception>
    public Task<bool> VerifyPassphraseAsync(string name, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken) =>
        WithWalletAsync(name, slot =>
        {
            try
            {
                using var ring = OpenKeys(slot, passphrase);
                return Task.FromResult(true);
            }
            catch (WalletOperationException ex) when (ex.Kind == WalletErrorKind.WrongPassphrase)
            {
                return Task.FromResult(false);
            }
        }, cancellationToken);

    /// <summary>
    /// Writes the wallet's BIP39 phrase into a new buffer the caller must clear (a backup shown to an administrator);
    /// only for wallets created from a mnemonic.
    /// </summary>
    public Task<char[]> RevealMnemonicAsync(string name, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken) =>
        WithWalletAsync(name, slot =>
        {
            var plaintext = Decrypt(slot, passphrase);
            try
            {
                if (WalletSecret.KindOf(plaintext) != WalletSecretKind.Bip39)
                {
                    throw Invalid($"wallet '{name}' was not created from a mnemonic");
                }

                using var mnemonic = WalletSecret.ReadMnemonic(plaintext);
                var buffer = GC.AllocateArray<char>(mnemonic.PhraseLength, pinned: true);
                mnemonic.CopyPhraseTo(buffer);
                return Task.FromResult(buffer);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }, cancellationToken);

    private WalletKeyRing OpenKeys(Slot slot, ReadOnlyMemory<char> passphrase)
    {
        var plaintext = Decrypt(slot, passphrase);
        try
        {
            var ring = WalletSecret.ToKeyRing(plaintext);
            if (!KeysMatch(slot.Core!, ring))
            {
                ring.Dispose();
                throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"wallet '{slot.Name}': the stored keys do not match its descriptors");
            }

            return ring;
        }
        catch (FormatException ex)
        {
            throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"wallet '{slot.Name}': stored secret is unreadable ({ex.Message})");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] Decrypt(Slot slot, ReadOnlyMemory<char> passphrase)
    {
        if (slot.Meta!.Secret is not { } envelope)
        {
            throw new WalletOperationException(WalletErrorKind.WatchOnly, $"wallet '{slot.Name}' is watch-only: it holds no keys");
        }

        if (passphrase.IsEmpty)
        {
            throw new WalletOperationException(WalletErrorKind.Locked, $"wallet '{slot.Name}' is locked: give its passphrase or unlock it");
        }

        try
        {
            if (!SecretEnvelope.TryOpen(envelope, passphrase.Span, out var plaintext))
            {
                throw new WalletOperationException(WalletErrorKind.WrongPassphrase, $"wallet '{slot.Name}': wrong passphrase");
            }

            return plaintext;
        }
        catch (ArgumentException)
        {
            // Not valid Unicode: it cannot be the passphrase the secret was sealed with.
            throw new WalletOperationException(WalletErrorKind.WrongPassphrase, $"wallet '{slot.Name}': wrong passphrase");
        }
        catch (FormatException ex)
        {
            throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"wallet '{slot.Name}': stored secret is unreadable ({ex.Message})");
        }
    }

    /// <summary>The first receive script derived from the descriptor can be signed by the ring (a cheap sanity check against a mismatched secret).</summary>
    private static bool KeysMatch(DescriptorWallet core, WalletKeyRing ring)
    {
        var info = core.External.GetSpendInfo(0, keyPathOnly: false);
        if (info.KeyOrigins.Count == 0 && info.TapKeyOrigins.Count == 0)
        {
            return true;
        }

        return ring.CanSignAny(info);
    }

    private void ExpireKeys(Slot slot)
    {
        slot.Gate.Wait();
        try
        {
            if (slot.Keys is not null && _time.GetUtcNow() >= slot.UnlockedUntil)
            {
                slot.ClearKeys();
                LogLocked(_logger, slot.Name);
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>The keys to sign with: the unlocked ring, or a ring opened with <paramref name="passphrase"/> for this call only.</summary>
    private WalletKeyRing? BorrowKeys(Slot slot, ReadOnlyMemory<char> passphrase, out bool owned)
    {
        owned = false;
        if (slot.Meta!.IsWatchOnly)
        {
            throw new WalletOperationException(WalletErrorKind.WatchOnly, $"wallet '{slot.Name}' is watch-only: it cannot sign");
        }

        if (!passphrase.IsEmpty)
        {
            owned = true;
            return OpenKeys(slot, passphrase);
        }

        if (slot.KeysValid(_time.GetUtcNow()))
        {
            return slot.Keys;
        }

        slot.ClearKeys();
        throw new WalletOperationException(WalletErrorKind.Locked, $"wallet '{slot.Name}' is locked: give its passphrase or unlock it");
    }

    // ------------------------------------------------------------------ plumbing

    private DescriptorWalletOptions CoreOptions(IReadOnlyList<KeyFingerprint> fingerprints) => new()
    {
        Lookahead = _options.GapLimit,
        SigningFingerprints = fingerprints.ToHashSet(),
    };

    private Slot SlotFor(string name)
    {
        if (!IsValidName(name))
        {
            throw new WalletOperationException(WalletErrorKind.NotFound, $"no wallet named '{Shorten(name)}'");
        }

        return _slots.GetOrAdd(name, n => new Slot(n));
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "...";

    /// <summary>Runs <paramref name="body"/> holding the wallet's gate, on the wallet as stored now.</summary>
    private async Task<T> WithWalletAsync<T>(string name, Func<Slot, Task<T>> body, CancellationToken cancellationToken)
    {
        var slot = SlotFor(name);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshAsync(slot, cancellationToken).ConfigureAwait(false);
            return await body(slot).ConfigureAwait(false);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the wallet as stored now. The stored revision is read before the gate is taken,
    /// so concurrent reads of one wallet queue only for the in-memory part: when the wallet in memory is at that
    /// revision, it shows a state the database held during this call; otherwise it is refreshed under the gate.
    /// </summary>
    private async Task<T> ReadAsync<T>(string name, Func<Slot, T> read, CancellationToken cancellationToken)
    {
        var slot = SlotFor(name);
        var revision = await _store.GetRevisionAsync(slot.Name, cancellationToken).ConfigureAwait(false);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (revision is null || slot.Core is null || revision != slot.Meta!.Revision)
            {
                await RefreshAsync(slot, cancellationToken).ConfigureAwait(false);
            }

            return read(slot);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private Task<T> MutateAsync<T>(string name, Func<DescriptorWallet, T> change, CancellationToken cancellationToken) =>
        WithWalletAsync(name, slot => SaveChangeAsync(slot, change, cancellationToken), cancellationToken);

    /// <summary>
    /// Applies a change to the wallet core and saves what it staged in one database transaction, if nobody saved since
    /// the wallet was loaded; otherwise reloads and applies the change again. On any failure the in-memory wallet is
    /// dropped (reloaded on next use), so memory never runs ahead of the database. Call holding the gate.
    /// </summary>
    private async Task<T> SaveChangeAsync<T>(Slot slot, Func<DescriptorWallet, T> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var core = slot.Core!;
            T result;
            try
            {
                result = change(core);
            }
            catch
            {
                if (!core.Staged.IsEmpty)
                {
                    slot.Core = null;
                }

                throw;
            }

            var staged = core.TakeStaged();
            if (staged.IsEmpty)
            {
                return result;
            }

            long? revision;
            try
            {
                revision = await _store.TrySaveAsync(slot.Name, staged, slot.Meta!.Revision, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                slot.Core = null;
                throw;
            }

            if (revision is { } r)
            {
                slot.Meta = slot.Meta with { Revision = r };
                return result;
            }

            slot.Core = null;
            if (attempt >= 8)
            {
                throw new OpsourceException(ErrorCategory.Conflict, "wallet_busy", $"wallet '{slot.Name}' keeps being changed by another process; try again");
            }

            await RefreshAsync(slot, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Loads the wallet when it is not loaded or another process saved since (one cheap revision query otherwise).</summary>
    private async Task RefreshAsync(Slot slot, CancellationToken cancellationToken)
    {
        if (slot.Core is not null)
        {
            var revision = await _store.GetRevisionAsync(slot.Name, cancellationToken).ConfigureAwait(false);
            if (revision is null)
            {
                slot.Core = null;
                slot.ClearKeys();
                throw new WalletOperationException(WalletErrorKind.NotFound, $"no wallet named '{slot.Name}'");
            }

            if (revision == slot.Meta!.Revision)
            {
                return;
            }
        }

        var (meta, changeSet) = await _store.LoadStateAsync(slot.Name, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(meta.Network, _network.Name, StringComparison.Ordinal))
        {
            throw new WalletOperationException(WalletErrorKind.WrongNetwork, $"wallet '{slot.Name}' belongs to {meta.Network}, not {_network.Name}");
        }

        try
        {
            slot.Core = DescriptorWallet.Load(changeSet, CoreOptions(meta.SigningFingerprints));
        }
        catch (WalletCoreException ex)
        {
            throw new WalletOperationException(ex.Kind, $"wallet '{slot.Name}': {ex.Message}");
        }

        slot.Meta = meta;
    }

    private static WalletOperationException Invalid(string message) => new(WalletErrorKind.InvalidRequest, message);

    private static WalletOperationException FromCore(WalletCoreException ex) => new(ex.Kind, ex.Message);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.ClearKeys();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "wallet {Name} created ({Kind}, birthday {Birthday})")]
    private static partial void LogCreated(ILogger logger, string name, string kind, int birthday);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "wallet {Name} unlocked until {Until}")]
    private static partial void LogUnlocked(ILogger logger, string name, DateTimeOffset until);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "wallet {Name} locked (unlock period ended)")]
    private static partial void LogLocked(ILogger logger, string name);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "wallet: node unavailable ({Reason})")]
    private static partial void LogNodeUnavailable(ILogger logger, string reason);

    /// <summary>One wallet's in-memory state: the loaded core, its stored record, and unlocked keys.</summary>
    private sealed class Slot(string name)
    {
        public string Name { get; } = name;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public StoredWallet? Meta { get; set; }

        public DescriptorWallet? Core { get; set; }

        public WalletKeyRing? Keys { get; private set; }

        public DateTimeOffset UnlockedUntil { get; private set; }

        private ITimer? _timer;

        public bool KeysValid(DateTimeOffset now) => Keys is not null && now < UnlockedUntil;

        public void SetKeys(WalletKeyRing ring, DateTimeOffset until, ITimer timer)
        {
            ClearKeys();
            Keys = ring;
            UnlockedUntil = until;
            _timer = timer;
        }

        public bool ClearKeys()
        {
            _timer?.Dispose();
            _timer = null;
            var had = Keys is not null;
            Keys?.Dispose();
            Keys = null;
            UnlockedUntil = default;
            return had;
        }
    }
}
