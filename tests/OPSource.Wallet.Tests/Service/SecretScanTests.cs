using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Platform.Funding;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Tests.Service;

/// <summary>
/// The encryption check: after creating a wallet, receiving, unlocking, signing, a wrong passphrase and a
/// mnemonic reveal, neither the database (the SQLite file with its WAL, or every PostgreSQL row), nor any file in
/// the data dir, nor the logs, nor the exception messages contain the mnemonic, its entropy, the seed, the
/// passphrases, or any private key (raw, hex, WIF or xprv; the master, the account and every derived key used).
/// </summary>
public abstract class SecretScanTests(string provider)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_mnemonic_the_seed_and_every_private_key_appear_nowhere_on_disk_or_in_logs()
    {
        var passphrase = "correct horse battery staple 7".ToCharArray();
        var bip39 = "extra words".ToCharArray();
        var needles = new List<(string What, byte[] Bytes)>();
        var messages = new List<string>();
        await using (var h = await ServiceHarness.CreateAsync(provider))
        {
            var s = h.Service;
            var (info, mnemonic) = await s.CreateAsync(new CreateWalletRequest { Name = "vault", WordCount = 24 }, passphrase, bip39, Ct);
            using (mnemonic)
            {
                var phrase = new char[mnemonic.PhraseLength];
                mnemonic.CopyPhraseTo(phrase);
                AddText(needles, "mnemonic", new string(phrase));
                var words = new string(phrase).Split(' ');
                AddText(needles, "first words of the mnemonic", string.Join(' ', words.Take(3)));
                var entropy = new byte[mnemonic.EntropyLength];
                mnemonic.CopyEntropyTo(entropy);
                AddBytes(needles, "entropy", entropy);
                using var seed = mnemonic.DeriveSeed(bip39.AsSpan());
                AddBytes(needles, "seed", seed.Span.ToArray());
                using var master = ExtKey.CreateMaster(seed);
                AddKey(needles, "master", master);
                using var account = master.Derive(KeyPath.Parse("m/86h/1h/0h"));
                AddKey(needles, "account", account);
                for (uint chain = 0; chain < 2; chain++)
                {
                    for (uint i = 0; i < 25; i++)
                    {
                        using var child = account.Derive(chain).Derive(i);
                        AddKey(needles, $"key {chain}/{i}", child);
                    }
                }
            }

            AddText(needles, "passphrase", new string(passphrase));
            AddText(needles, "bip39 passphrase", new string(bip39));

            // Use the wallet: receive, unlock, sign, reveal, fail.
            var address = await s.GetNewAddressAsync("vault", WalletKeychain.External, Ct);
            await ServiceHarness.FundAsync(s, "vault", (address.ScriptPubKey, 80_000));
            var psbt = await s.CreatePsbtAsync("vault", new SpendRequest { Payments = [new Payment("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Amount.FromSatoshis(30_000))], FeeRate = new FeeRate(2000) }, Ct);
            await s.UnlockAsync("vault", passphrase, TimeSpan.FromMinutes(5), Ct);
            var signed = await s.SignAsync("vault", psbt.Psbt, Ct);
            await s.FinalizePsbtAsync("vault", signed.Psbt, broadcast: false, Ct);
            s.Lock("vault");
            messages.Add((await Assert.ThrowsAsync<WalletOperationException>(() => s.UnlockAsync("vault", "correct horse battery staple 8".ToCharArray(), TimeSpan.FromMinutes(1), Ct))).Message);
            messages.Add((await Assert.ThrowsAsync<WalletOperationException>(() => s.SignAsync("vault", psbt.Psbt, Ct))).Message);
            var revealed = await s.RevealMnemonicAsync("vault", passphrase, Ct);
            Assert.Equal(needles[0].Bytes, Encoding.UTF8.GetBytes(revealed));
            Array.Clear(revealed);
            Assert.True(await s.VerifyPassphraseAsync("vault", passphrase, Ct));
            Assert.Equal("bip39", info.SecretKind);

            // Every stored value, read back through the database (covers PostgreSQL, where there is no file to scan).
            var stored = new MemoryStream();
            await using (var connection = await h.Db.Database.OpenConnectionAsync(Ct))
            {
                foreach (var table in new[] { "wallet_wallets", "wallet_blocks", "wallet_txs", "wallet_txouts", "wallet_anchors", "wallet_last_seen", "wallet_last_evicted", "wallet_revealed", "wallet_labels", "wallet_locks", "settings", "schema_migrations" })
                {
                    await using var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // table names are constants of this test
                    cmd.CommandText = $"SELECT * FROM {table}";
#pragma warning restore CA2100
                    try
                    {
                        await using var reader = await cmd.ExecuteReaderAsync(Ct);
                        while (await reader.ReadAsync(Ct))
                        {
                            for (var c = 0; c < reader.FieldCount; c++)
                            {
                                var v = reader.GetValue(c);
                                var bytes = v as byte[] ?? Encoding.UTF8.GetBytes(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "");
                                stored.Write(bytes);
                                stored.WriteByte(0);
                            }
                        }
                    }
                    catch (System.Data.Common.DbException)
                    {
                        // A table another module owns that this database does not have.
                    }
                }
            }

            Scan(needles, "database rows", stored.ToArray());
            var logs = string.Join('\n', h.Logs.Lines);
            Assert.Contains("vault", logs, StringComparison.Ordinal); // the log is not empty
            Scan(needles, "logs", Encoding.UTF8.GetBytes(logs));
            Scan(needles, "exception messages", Encoding.UTF8.GetBytes(string.Join('\n', messages)));

            h.Service.Dispose();
            SqliteConnection.ClearAllPools();
            foreach (var file in Directory.EnumerateFiles(h.Db.DataDir, "*", SearchOption.AllDirectories))
            {
                Scan(needles, file, await File.ReadAllBytesAsync(file, Ct));
            }

            if (provider == "sqlite")
            {
                Assert.True(File.Exists(Path.Combine(h.Db.DataDir, "opsource.db")));
            }
        }
    }

    private static void AddText(List<(string, byte[])> needles, string what, string text)
    {
        needles.Add((what, Encoding.UTF8.GetBytes(text)));
        needles.Add((what + " (UTF-16)", Encoding.Unicode.GetBytes(text)));
    }

    private static void AddBytes(List<(string, byte[])> needles, string what, byte[] bytes)
    {
        needles.Add((what, bytes));
        AddText(needles, what + " hex", Convert.ToHexStringLower(bytes));
    }

    private static void AddKey(List<(string, byte[])> needles, string what, ExtKey key)
    {
        var secret = new byte[32];
        key.PrivateKey.WriteTo(secret);
        AddBytes(needles, what + " private key", secret);
        AddText(needles, what + " tprv", key.ToBase58(Network.Regtest));
        AddText(needles, what + " WIF", Wif.Encode(key.PrivateKey, Network.Regtest));
        var serialized = new byte[ExtKey.SerializedLength];
        key.WriteTo(serialized, ExtKeyVersion.Tprv);
        AddBytes(needles, what + " BIP32 serialization", serialized);
    }

    private static void Scan(List<(string What, byte[] Bytes)> needles, string where, byte[] haystack)
    {
        foreach (var (what, bytes) in needles)
        {
            Assert.False(haystack.AsSpan().IndexOf(bytes) >= 0, $"{what} found in {where}");
        }
    }
}

public sealed class SqliteSecretScanTests() : SecretScanTests("sqlite");

public sealed class PostgresSecretScanTests() : SecretScanTests("postgres");
