using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Dlc.Lifecycle;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;

namespace OPSource.Dlc.Tests;

/// <summary>The life-cycle manager with persistence, on in-memory wallets; refused counterparty input leaves state unchanged.</summary>
public class ManagerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Side : IAsyncDisposable
    {
        private Side(TestDatabase db, DlcManager manager, FakeWallet wallet, DlcContractRepository repo, Storage.DlcKeyStore keys)
        {
            Db = db;
            Manager = manager;
            Wallet = wallet;
            Repo = repo;
            Keys = keys;
        }

        public TestDatabase Db { get; }

        public DlcManager Manager { get; }

        public FakeWallet Wallet { get; }

        public DlcContractRepository Repo { get; }

        public Storage.DlcKeyStore Keys { get; }

        public static async Task<Side> CreateAsync(string name, ulong minFee = 1)
        {
            var db = await TestDatabase.CreateAsync(Ct);
            var wallet = new FakeWallet(name);
            wallet.AddCoin(150_000);
            wallet.AddCoin(90_000);
            var repo = new DlcContractRepository(db.Database);
            var keys = db.KeyStore();
            var manager = new DlcManager(repo, keys, new DlcManagerOptions(new DlcPolicy(Network.Regtest, minFee)), wallet, wallet);
            return new Side(db, manager, wallet, repo, keys);
        }

        public async ValueTask DisposeAsync()
        {
            Keys.Dispose();
            await Db.DisposeAsync();
        }
    }

    private static ContractInfo EnumContract(OracleAnnouncement announcement) =>
        new SingleContractInfo(Amount.FromSatoshis(200_000), new ContractInfoInner(
            new EnumeratedContractDescriptor([new("up", Amount.FromSatoshis(200_000)), new("down", Amount.Zero), new("flat", Amount.FromSatoshis(100_000))]),
            new SingleOracleInfo(announcement)));

    private static async Task<OracleAnnouncement> AnnounceAsync(TestDatabase db)
    {
        using var keys = db.KeyStore();
        var oracle = new DlcOracleService(db.Database, keys);
        return (await oracle.AnnounceAsync("mkt-" + Guid.NewGuid().ToString("N")[..8], new EnumEventDescriptor(["up", "down", "flat"]), DateTimeOffset.UtcNow, Ct)).Announcement;
    }

    [Fact]
    public async Task Offer_accept_sign_persist_and_refused_input_changes_nothing()
    {
        await using var alice = await Side.CreateAsync("alice");
        await using var bob = await Side.CreateAsync("bob");
        var announcement = await AnnounceAsync(alice.Db);

        var (offered, offer) = await alice.Manager.OfferAsync(new DlcOfferRequest("alice", EnumContract(announcement), Amount.FromSatoshis(100_000), 2, 1_700_000_000, 1_700_604_800), Ct);
        Assert.Equal(DlcState.Offered, offered.State);
        Assert.NotEmpty(alice.Wallet.Locked);

        // The offer crosses the wire as bytes.
        var received = DlcWireCodec.Decode<OfferDlc>(DlcWireCodec.Encode(offer));
        var (accepted, accept) = await bob.Manager.AcceptAsync(received, "bob", Ct);
        Assert.Equal(DlcState.Accepted, accepted.State);
        Assert.NotNull(accepted.ContractId);

        async Task Refused(AcceptDlc bad, DlcErrorKind kind, string text)
        {
            var before = await alice.Repo.FindAsync(offer.TemporaryContractId, Ct);
            var ex = await Assert.ThrowsAsync<DlcException>(() => alice.Manager.SignAsync(bad, Ct));
            Assert.Equal(kind, ex.Kind);
            Assert.Contains(text, ex.Message, StringComparison.Ordinal);
            var after = await alice.Repo.FindAsync(offer.TemporaryContractId, Ct);
            Assert.Equal(before!.Version, after!.Version);
            Assert.Equal(DlcState.Offered, after.State);
            Assert.Null(after.Accept);
        }

        // A wrong adaptor signature (two swapped).
        var swapped = accept.CetAdaptorSignatures.ToArray();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        await Refused(accept with { CetAdaptorSignatures = swapped }, DlcErrorKind.InvalidAdaptorSignature, "CET adaptor signature 0");
        // A CET set missing one outcome.
        await Refused(accept with { CetAdaptorSignatures = accept.CetAdaptorSignatures.Take(2).ToArray() }, DlcErrorKind.InvalidAdaptorSignature, "2 CET adaptor signatures, the contract needs 3");
        // A wrong refund signature.
        await Refused(accept with { RefundSignature = Flip(accept) }, DlcErrorKind.InvalidRefundSignature, "refund_signature");
        // Funding inputs that are not the accepter's: the offerer's own coin.
        await Refused(accept with { FundingInputs = [offer.FundingInputs[0] with { InputSerialId = 12345 }, .. accept.FundingInputs] }, DlcErrorKind.InvalidFundingInput, "is the offerer's coin");
        // A correctly signed accept funded with a coin of the offerer's own wallet that is not in the offer: her wallet
        // would sign it, so the funding transaction could never be the accepter's to complete.
        var aliceSpare = alice.Wallet.AddCoin(300_000);
        using (var forgedKey = SecretKey.Generate())
        {
            var spk = Bitcoin.Scripts.StandardScripts.PayToWitnessPubKeyHash(forgedKey.PublicKey);
            var inputs = DlcProtocol.ToFundingInputs([(alice.Wallet.PrevTxOf(aliceSpare), 0u, 0xffffffffu, 108, Bitcoin.Scripts.Script.Empty)], new HashSet<ulong>(offer.FundingInputs.Select(i => i.InputSerialId)));
            var (forged, _) = DlcProtocol.CreateAccept(received, new DlcPolicy(Network.Regtest), new DlcOwnSide(forgedKey, spk, spk, inputs), Ct);
            await Refused(forged, DlcErrorKind.InvalidFundingInput, $"the counterparty's funding input {aliceSpare} is a coin of wallet 'alice' on this node, not theirs");
        }

        // Collateral that does not add up.
        await Refused(accept with { AcceptCollateral = accept.AcceptCollateral - Amount.FromSatoshis(1) }, DlcErrorKind.InvalidContract, "accept_collateral");

        var (signedRecord, sign) = await alice.Manager.SignAsync(accept, Ct);
        Assert.Equal(DlcState.Signed, signedRecord.State);
        Assert.Equal(accepted.ContractId, sign.ContractId);

        // Reloaded from storage, the contract rebuilds the same transactions.
        var reloaded = await alice.Manager.GetAsync(sign.ContractId, Ct);
        Assert.Equal(signedRecord.Setup!.Transactions.Funding.GetTxId(), reloaded.Setup!.Transactions.Funding.GetTxId());

        // A sign message with a broken funding witness is refused by the accepter and changes nothing (no node needed to refuse).
        var witnesses = sign.FundingSignatures.ToArray();
        witnesses[0] = new OPSource.Bitcoin.Transactions.Witness([witnesses[0].Items.First(), new byte[33]]);
        var before = await bob.Repo.FindAsync(offer.TemporaryContractId, Ct);
        var ex = await Assert.ThrowsAsync<DlcException>(() => bob.Manager.CompleteFundingAsync(sign with { FundingSignatures = witnesses }, Ct));
        Assert.Equal(DlcErrorKind.InvalidFundingSignature, ex.Kind);
        Assert.Equal(before!.Version, (await bob.Repo.FindAsync(offer.TemporaryContractId, Ct))!.Version);
    }

    private static OPSource.Crypto.Secp256k1.EcdsaSignature Flip(AcceptDlc accept)
    {
        var compact = accept.RefundSignature.ToCompact();
        compact[31] ^= 1;
        return OPSource.Crypto.Secp256k1.EcdsaSignature.TryParseCompact(compact, out var s) ? s : throw new InvalidOperationException();
    }

    [Fact]
    public async Task Offers_with_a_low_fee_rate_or_a_forged_announcement_are_refused_and_not_stored()
    {
        await using var alice = await Side.CreateAsync("alice");
        await using var bob = await Side.CreateAsync("bob", minFee: 3);
        var announcement = await AnnounceAsync(alice.Db);
        var (_, offer) = await alice.Manager.OfferAsync(new DlcOfferRequest("alice", EnumContract(announcement), Amount.FromSatoshis(100_000), 2, 1_700_000_000, 1_700_604_800), Ct);

        var ex = await Assert.ThrowsAsync<DlcException>(() => bob.Manager.AcceptAsync(offer, "bob", Ct));
        Assert.Equal(DlcErrorKind.UnacceptableFeeRate, ex.Kind);
        Assert.Contains("below this node's floor of 3", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await bob.Manager.ListAsync(Ct));
        Assert.Empty(bob.Wallet.Locked);

        // The announcement's event is altered after signing: its signature no longer matches.
        var inner = offer.ContractInfo.Inners[0];
        var a = ((SingleOracleInfo)inner.OracleInfo).Announcement;
        var forged = a with { Event = a.Event with { EventMaturityEpoch = a.Event.EventMaturityEpoch + 1 } };
        var forgedOffer = offer with { FeeRatePerVb = 5, ContractInfo = new SingleContractInfo(offer.ContractInfo.TotalCollateral, inner with { OracleInfo = new SingleOracleInfo(forged) }) };
        ex = await Assert.ThrowsAsync<DlcException>(() => bob.Manager.AcceptAsync(forgedOffer, "bob", Ct));
        Assert.Equal(DlcErrorKind.InvalidOracleAnnouncement, ex.Kind);
        Assert.Contains("announcement signature does not verify", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await bob.Manager.ListAsync(Ct));
    }
}
