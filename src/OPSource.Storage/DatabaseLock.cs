using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace OPSource.Storage;

/// <summary>
/// An exclusive lock named by a string, held until disposed (<see cref="Database.LockAsync"/>). On PostgreSQL every
/// process using the same database shares it: a transaction-level advisory lock (PostgreSQL manual 9.27.10, "Advisory
/// Lock Functions": <c>pg_advisory_xact_lock(bigint)</c>) taken in a transaction that stays open on a connection of its
/// own, so it is released by the rollback on dispose, or by the server when the session ends for any other reason. On
/// SQLite it holds nothing: one process owns the file, and callers keep their in-process lock.
/// </summary>
public sealed class DatabaseLock : IAsyncDisposable
{
    private static readonly DatabaseLock Nothing = new(null, null);
    private readonly DbConnection? _connection;
    private readonly DbTransaction? _transaction;

    private DatabaseLock(DbConnection? connection, DbTransaction? transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>
    /// The advisory-lock key of a name: the first 8 bytes of SHA-256 of its UTF-8 bytes, big-endian. Stable across
    /// processes, machines and .NET versions (unlike <c>string.GetHashCode</c>, which is randomized per process); two
    /// names sharing a key (probability 2^-64 per pair) only wait for each other.
    /// </summary>
    public static long KeyOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash);
    }

    internal static DatabaseLock None => Nothing;

    internal static async Task<DatabaseLock> AcquirePostgresAsync(DbConnection connection, string name, CancellationToken cancellationToken)
    {
        DbTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Db.Command(connection, "SELECT pg_advisory_xact_lock(@key)", transaction);
            Db.AddParameter(command, "key", KeyOf(name));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new DatabaseLock(connection, transaction);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases the lock (rolls back its empty transaction) and returns the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }

        try
        {
            await _transaction!.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The session is broken: the server ended it, and its transaction-level locks with it.
        }
        catch (InvalidOperationException)
        {
            // Likewise: the connection is no longer open.
        }
        finally
        {
            await _transaction!.DisposeAsync().ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
