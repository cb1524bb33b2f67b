using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;

namespace OPSource.Dlc.Tests;

public class OracleServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Announces_attests_once_and_refuses_a_second_different_attestation()
    {
        await using var db = await TestDatabase.CreateAsync(Ct);
        using var keys = db.KeyStore();
        var oracle = new DlcOracleService(db.Database, keys);

        var ev = await oracle.AnnounceAsync("btcusd-1", new DigitDecompositionEventDescriptor(2, false, "usd", 0, 16), DateTimeOffset.UtcNow.AddSeconds(-1), Ct);
        DlcValidator.ValidateAnnouncement(ev.Announcement);
        Assert.Equal(await oracle.GetPublicKeyAsync(Ct), ev.Announcement.OraclePublicKey);
        Assert.True(await keys.ExistsAsync("oracle/nonces/btcusd-1", Ct));

        var attested = await oracle.AttestAsync("btcusd-1", "43210", Ct);
        Assert.Equal("43210", attested.Outcome);
        DlcExecution.ValidateAttestation(ev.Announcement, attested.Attestation!);
        Assert.Equal(DigitDecomposition.Decompose(43210, 2, 16).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)), attested.Attestation!.Outcomes);
        Assert.False(await keys.ExistsAsync("oracle/nonces/btcusd-1", Ct)); // used nonces are erased

        var again = await oracle.AttestAsync("btcusd-1", "43210", Ct);
        Assert.Equal(DlcWireCodec.EncodeAttestation(attested.Attestation!), DlcWireCodec.EncodeAttestation(again.Attestation!));

        var ex = await Assert.ThrowsAsync<DlcException>(() => oracle.AttestAsync("btcusd-1", "43211", Ct));
        Assert.Equal(DlcErrorKind.AlreadyAttested, ex.Kind);
        Assert.Equal("43210", (await oracle.GetAsync("btcusd-1", Ct))!.Outcome);

        // Values beyond the digits are attested as the maximum (Oracle.md).
        await oracle.AnnounceAsync("small", new DigitDecompositionEventDescriptor(2, false, "u", 0, 4), DateTimeOffset.UtcNow.AddSeconds(-1), Ct);
        Assert.Equal("15", (await oracle.AttestAsync("small", "99", Ct)).Outcome);
    }

    [Fact]
    public async Task Concurrent_attestations_of_different_outcomes_sign_only_one()
    {
        await using var db = await TestDatabase.CreateAsync(Ct);
        using var keys = db.KeyStore();
        var oracle = new DlcOracleService(db.Database, keys);
        await oracle.AnnounceAsync("race", new EnumEventDescriptor(["a", "b", "c", "d"]), DateTimeOffset.UtcNow.AddSeconds(-1), Ct);
        var results = await Task.WhenAll(new[] { "a", "b", "c", "d" }.Select(async o =>
        {
            try
            {
                return (await oracle.AttestAsync("race", o, Ct)).Attestation!;
            }
            catch (DlcException ex) when (ex.Kind == DlcErrorKind.AlreadyAttested)
            {
                return null;
            }
        }));
        var winners = results.Where(r => r is not null).Select(r => r!.Outcomes[0]).Distinct().ToList();
        Assert.Single(winners);
        Assert.Equal(winners[0], (await oracle.GetAsync("race", Ct))!.Outcome);
    }

    [Fact]
    public async Task Refuses_bad_events_outcomes_and_early_attestation()
    {
        await using var db = await TestDatabase.CreateAsync(Ct);
        using var keys = db.KeyStore();
        var oracle = new DlcOracleService(db.Database, keys);
        await oracle.AnnounceAsync("w", new EnumEventDescriptor(["rain", "sun"]), DateTimeOffset.UtcNow.AddDays(1), Ct);
        Assert.Equal(DlcErrorKind.AlreadyExists, (await Assert.ThrowsAsync<DlcException>(() => oracle.AnnounceAsync("w", new EnumEventDescriptor(["x"]), DateTimeOffset.UtcNow, Ct))).Kind);
        Assert.Equal(DlcErrorKind.InvalidOutcome, (await Assert.ThrowsAsync<DlcException>(() => oracle.AttestAsync("w", "snow", Ct))).Kind);
        Assert.Equal(DlcErrorKind.TooEarly, (await Assert.ThrowsAsync<DlcException>(() => oracle.AttestAsync("w", "rain", Ct))).Kind);
        Assert.Equal(DlcErrorKind.NotFound, (await Assert.ThrowsAsync<DlcException>(() => oracle.AttestAsync("nope", "rain", Ct))).Kind);
        await Assert.ThrowsAsync<DlcException>(() => oracle.AnnounceAsync("dup", new EnumEventDescriptor(["a", "a"]), DateTimeOffset.UtcNow, Ct));
        await Assert.ThrowsAsync<DlcException>(() => oracle.AnnounceAsync("bad id", new EnumEventDescriptor(["a"]), DateTimeOffset.UtcNow, Ct));
    }

    [Fact]
    public async Task Secrets_are_sealed_and_a_wrong_or_missing_passphrase_is_refused()
    {
        await using var db = await TestDatabase.CreateAsync(Ct);
        using (var keys = db.KeyStore())
        {
            await new DlcOracleService(db.Database, keys).GetPublicKeyAsync(Ct);
        }

        // The stored ciphertext does not contain the key.
        using (var right = db.KeyStore())
        {
            using var key = await right.LoadKeyAsync(DlcOracleService.KeyId, Ct);
            var raw = new byte[32];
            key.WriteTo(raw);
            var file = await File.ReadAllBytesAsync(Path.Combine(db.Dir, "dlc.db"), Ct);
            Assert.True(file.AsSpan().IndexOf(raw) < 0);
        }

        using var wrong = db.KeyStore("wrong");
        Assert.Equal(DlcErrorKind.KeyStoreLocked, (await Assert.ThrowsAsync<DlcException>(() => wrong.LoadKeyAsync(DlcOracleService.KeyId, Ct))).Kind);
        using var none = db.KeyStore(null);
        Assert.Contains("no passphrase", (await Assert.ThrowsAsync<DlcException>(() => none.LoadKeyAsync(DlcOracleService.KeyId, Ct))).Message, StringComparison.Ordinal);
    }
}
