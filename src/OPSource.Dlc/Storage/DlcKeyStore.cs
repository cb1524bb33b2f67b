using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using OPSource.Crypto.Secp256k1;
using OPSource.Storage;

namespace OPSource.Dlc.Storage;

/// <summary>Argon2id cost of the key store's passphrase (RFC 9106 second recommended option by default).</summary>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="Passes">Iterations.</param>
public sealed record KeyStoreKdf(long MemoryKiB = 65536, long Passes = 3);

/// <summary>
/// The DLC module's secrets (contract funding keys, the oracle key and its unused nonces) encrypted at
/// rest: one Argon2id derivation (RFC 9106) of the operator's passphrase with a per-installation salt gives
/// a 256-bit key, held in unmanaged memory for the process lifetime; every secret is sealed with
/// XChaCha20-Poly1305 under a fresh 24-byte nonce, its id and kind bound as associated data. A check
/// record detects a wrong passphrase before anything is decrypted or written.
/// </summary>
public sealed class DlcKeyStore : IDisposable
{
    private static readonly byte[] CheckPlaintext = Encoding.ASCII.GetBytes("opsource-dlc-keystore-v1");
    private readonly Database _database;
    private readonly Func<byte[]?> _passphrase;
    private readonly KeyStoreKdf _kdf;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _unlock = new(1, 1);
    private Key? _key;

    /// <summary>Creates the store. <paramref name="passphrase"/> returns the UTF-8 passphrase (or null when none is configured); the caller's array is zeroed after use.</summary>
    public DlcKeyStore(Database database, Func<byte[]?> passphrase, KeyStoreKdf? kdf = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(passphrase);
        _database = database;
        _passphrase = passphrase;
        _kdf = kdf ?? new KeyStoreKdf();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whether a passphrase is configured (secrets can be used).</summary>
    public bool HasPassphrase
    {
        get
        {
            var p = _passphrase();
            if (p is null)
            {
                return false;
            }

            CryptographicOperations.ZeroMemory(p);
            return true;
        }
    }

    /// <summary>Seals and stores a secret under a new id.</summary>
    /// <exception cref="DlcException">No passphrase, a wrong passphrase, or the id exists.</exception>
    public async Task StoreAsync(string id, string kind, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var key = await UnlockAsync(cancellationToken).ConfigureAwait(false);
        var nonce = RandomNumberGenerator.GetBytes(24);
        var ciphertext = AeadAlgorithm.XChaCha20Poly1305.Encrypt(key, nonce, AssociatedData(id, kind), secret.Span);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "INSERT INTO dlc_secrets (id, kind, nonce, ciphertext, created_at) VALUES (@id, @kind, @nonce, @ct, @now) ON CONFLICT (id) DO NOTHING")
            .With("id", id).With("kind", kind).With("nonce", nonce).With("ct", ciphertext).With("now", _time.GetUtcNow());
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new DlcException(DlcErrorKind.AlreadyExists, $"key store: secret '{id}' already exists");
        }
    }

    /// <summary>Generates, stores and returns a new secp256k1 key.</summary>
    public async Task<SecretKey> CreateKeyAsync(string id, string kind, CancellationToken cancellationToken)
    {
        var key = SecretKey.Generate();
        var bytes = new byte[32];
        try
        {
            key.WriteTo(bytes);
            await StoreAsync(id, kind, bytes, cancellationToken).ConfigureAwait(false);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Loads a stored secp256k1 key; null when absent.</summary>
    public async Task<SecretKey?> TryLoadKeyAsync(string id, CancellationToken cancellationToken)
    {
        var bytes = await TryLoadAsync(id, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return SecretKey.Create(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Loads a stored key or throws <see cref="DlcException"/> (NotFound).</summary>
    public async Task<SecretKey> LoadKeyAsync(string id, CancellationToken cancellationToken) =>
        await TryLoadKeyAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new DlcException(DlcErrorKind.NotFound, $"key store: no secret '{id}'");

    /// <summary>The decrypted secret (the caller zeroes it), or null when absent.</summary>
    public async Task<byte[]?> TryLoadAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        byte[] nonce;
        byte[] ciphertext;
        string kind;
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = DlcSql.Command(connection, "SELECT kind, nonce, ciphertext FROM dlc_secrets WHERE id = @id").With("id", id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            kind = reader.GetString(0);
            nonce = reader.GetFieldValue<byte[]>(1);
            ciphertext = reader.GetFieldValue<byte[]>(2);
        }

        var key = await UnlockAsync(cancellationToken).ConfigureAwait(false);
        return AeadAlgorithm.XChaCha20Poly1305.Decrypt(key, nonce, AssociatedData(id, kind), ciphertext)
            ?? throw new DlcException(DlcErrorKind.KeyStoreLocked, $"key store: secret '{id}' fails authentication (altered, or sealed under another passphrase)");
    }

    /// <summary>Erases a secret; false when it was absent.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "DELETE FROM dlc_secrets WHERE id = @id").With("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Whether a secret exists (without decrypting it).</summary>
    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "SELECT COUNT(*) FROM dlc_secrets WHERE id = @id").With("id", id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Derives (once) and verifies the store key from the passphrase.</summary>
    /// <exception cref="DlcException">No passphrase configured, or it is wrong.</exception>
    public async Task VerifyPassphraseAsync(CancellationToken cancellationToken) => await UnlockAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose()
    {
        _key?.Dispose();
        _unlock.Dispose();
    }

    private static byte[] AssociatedData(string id, string kind) => Encoding.UTF8.GetBytes($"opsource-dlc-secret/v1/{kind}/{id}");

    private async Task<Key> UnlockAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _key) is { } cached)
        {
            return cached;
        }

        await _unlock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is { } again)
            {
                return again;
            }

            var passphrase = _passphrase()
                ?? throw new DlcException(DlcErrorKind.KeyStoreLocked, "key store: no passphrase configured (set Dlc:PassphraseFile or the OPSOURCE_Dlc__Passphrase environment variable)");
            try
            {
                if (passphrase.Length == 0)
                {
                    throw new DlcException(DlcErrorKind.KeyStoreLocked, "key store: the configured passphrase is empty");
                }

                var header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
                if (header is null)
                {
                    var salt = RandomNumberGenerator.GetBytes(16);
                    var created = Derive(passphrase, salt, _kdf);
                    var nonce = RandomNumberGenerator.GetBytes(24);
                    var check = AeadAlgorithm.XChaCha20Poly1305.Encrypt(created, nonce, CheckPlaintext, CheckPlaintext);
                    await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await using var command = DlcSql.Command(connection, "INSERT INTO dlc_keystore (id, salt, kdf_memory_kib, kdf_passes, check_nonce, check_ciphertext, created_at) VALUES (1, @salt, @m, @t, @nonce, @ct, @now) ON CONFLICT (id) DO NOTHING")
                        .With("salt", salt).With("m", _kdf.MemoryKiB).With("t", _kdf.Passes).With("nonce", nonce).With("ct", check).With("now", _time.GetUtcNow());
                    if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                    {
                        _key = created;
                        return created;
                    }

                    // Another process initialised the store first: use its salt.
                    created.Dispose();
                    header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
                }

                var (s, kdf, n, ct) = header!.Value;
                var key = Derive(passphrase, s, kdf);
                if (AeadAlgorithm.XChaCha20Poly1305.Decrypt(key, n, CheckPlaintext, ct) is null)
                {
                    key.Dispose();
                    throw new DlcException(DlcErrorKind.KeyStoreLocked, "key store: the passphrase is wrong");
                }

                _key = key;
                return key;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(passphrase);
            }
        }
        finally
        {
            _unlock.Release();
        }
    }

    private async Task<(byte[] Salt, KeyStoreKdf Kdf, byte[] Nonce, byte[] Check)?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "SELECT salt, kdf_memory_kib, kdf_passes, check_nonce, check_ciphertext FROM dlc_keystore WHERE id = 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (reader.GetFieldValue<byte[]>(0), new KeyStoreKdf(reader.GetInt64(1), reader.GetInt64(2)), reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4));
    }

    private static Key Derive(byte[] passphrase, byte[] salt, KeyStoreKdf kdf)
    {
        if (kdf.MemoryKiB < 8 || kdf.MemoryKiB > 4L * 1024 * 1024 || kdf.Passes < 1 || kdf.Passes > 100)
        {
            throw new DlcException(DlcErrorKind.KeyStoreLocked, "key store: stored Argon2id parameters out of range");
        }

        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = kdf.MemoryKiB,
            NumberOfPasses = kdf.Passes,
        });
        return argon.DeriveKey(passphrase, salt, AeadAlgorithm.XChaCha20Poly1305);
    }
}
