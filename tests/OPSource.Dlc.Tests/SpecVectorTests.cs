using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;
using OPSource.TestSupport;

namespace OPSource.Dlc.Tests;

/// <summary>The dlcspecs test files outside test_vectors/ that apply to the current format.</summary>
public class SpecVectorTests
{
    private static JsonArray Load(string name) => JsonNode.Parse(Vectors.ReadText("dlc", "dlcspecs", name))!.AsArray();

    [Fact]
    public void Contract_ids_match_contract_id_test()
    {
        var cases = Load("contract_id_test.json");
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var id = ContractId.Compute(
                TxId.Parse(c!["fundTxId"]!.GetValue<string>()),
                c["fundOutputIndex"]!.GetValue<ushort>(),
                ContractId.Parse(c["temporaryContractId"]!.GetValue<string>()));
            Assert.Equal(c["contractId"]!.GetValue<string>(), id.ToString());
        }
    }

    [Fact]
    public void Oracle_signatures_and_signature_points_match_dlc_schnorr_test()
    {
        var cases = Load("dlc_schnorr_test.json");
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var inputs = c!["inputs"]!;
            using var key = SecretKey.Create(Convert.FromHexString(inputs["privKey"]!.GetValue<string>()));
            using var nonce = SecretKey.Create(Convert.FromHexString(inputs["privNonce"]!.GetValue<string>()));
            var msg = Convert.FromHexString(inputs["msgHash"]!.GetValue<string>());
            var pub = XOnlyPublicKey.Parse(Convert.FromHexString(c["pubKey"]!.GetValue<string>()));
            var pubNonce = XOnlyPublicKey.Parse(Convert.FromHexString(c["pubNonce"]!.GetValue<string>()));

            Assert.Equal(pub, key.XOnlyPublicKey);
            Assert.Equal(pubNonce, nonce.XOnlyPublicKey);
            var sig = Schnorr.SignWithNonce(key, nonce, msg);
            Assert.Equal(c["signature"]!.GetValue<string>(), Convert.ToHexStringLower(sig));
            Assert.True(Schnorr.Verify(sig, msg, pub));

            var point = Schnorr.ComputeSignaturePointVariable(pub, pubNonce, msg);
            Assert.Equal(c["sigPoint"]!.GetValue<string>(), Convert.ToHexStringLower(point.ToCompressed()));
            using var s = SecretKey.Create(sig.AsSpan(32));
            Assert.Equal(point, s.PublicKey);
        }
    }

    [Fact]
    public void Funding_and_closing_fees_match_dlc_fee_test()
    {
        var cases = Load("dlc_fee_test.json");
        Assert.NotEmpty(cases);
        var dummyPrev = new Transaction(2, [new TxIn(OutPoint.Null)], [new TxOut(Amount.FromSatoshis(1), Script.Empty)], new LockTime(0));
        foreach (var c in cases)
        {
            var i = c!["inputs"]!;
            var rate = i["feeRate"]!.GetValue<ulong>();
            DlcParty Party(string side) => new(
                SecretKeyOne.PublicKey,
                new Script(new byte[i[side + "PayoutSPKLen"]!.GetValue<int>()]),
                0,
                [.. i[side + "Inputs"]!.AsArray().Select(x => FundingInput.Create(0, dummyPrev, 0, 0, x!["maxWitnessLen"]!.GetValue<ushort>(), new Script(new byte[x["redeemScriptLen"]!.GetValue<int>()])))],
                new Script(new byte[i[side + "ChangeSPKLen"]!.GetValue<int>()]),
                0,
                Amount.Zero);
            var offer = Party("offer");
            var accept = Party("accept");
            Assert.Equal(c["offerFundingFee"]!.GetValue<long>(), DlcFees.Fee(DlcFees.FundingWeight(offer), rate).Satoshis);
            Assert.Equal(c["acceptFundingFee"]!.GetValue<long>(), DlcFees.Fee(DlcFees.FundingWeight(accept), rate).Satoshis);
            Assert.Equal(c["offerClosingFee"]!.GetValue<long>(), DlcFees.Fee(DlcFees.CetWeight(offer), rate).Satoshis);
            Assert.Equal(c["acceptClosingFee"]!.GetValue<long>(), DlcFees.Fee(DlcFees.CetWeight(accept), rate).Satoshis);
        }
    }

    [Fact]
    public void Ecdsa_adaptor_vectors_through_the_sign_dlc_decoder_and_cet_verification()
    {
        var cases = Load("ecdsa_adaptor.json");
        int checkedCases = 0;
        foreach (var c in cases)
        {
            var kind = c!["kind"]!.GetValue<string>();
            var error = c["error"]?.GetValue<string>();
            var raw = Convert.FromHexString(c["adaptor_sig"]!.GetValue<string>());
            if (kind == "serialization")
            {
                // A sign_dlc carrying this adaptor signature decodes exactly when the signature is well-formed.
                var message = Convert.FromHexString("a71e00000001" + new string('0', 64) + "01") // type, version, contract id, one signature
                    .Concat(raw)
                    .Concat(Convert.FromHexString(new string('0', 62) + "01" + new string('0', 62) + "01")) // refund signature r = s = 1
                    .Concat(new byte[] { 0 })
                    .ToArray();
                var ok = DlcWireCodec.TryDecode(message, out _, out var decodeError);
                Assert.Equal(error is null, ok);
                if (!ok)
                {
                    Assert.Contains("cet_adaptor_signatures[0]", decodeError!.Field, StringComparison.Ordinal);
                }

                checkedCases++;
                continue;
            }

            if (kind != "verification")
            {
                continue;
            }

            var adaptor = AdaptorSignature.Parse(raw);
            var signingKey = PublicKey.Parse(Convert.FromHexString(c["public_signing_key"]!.GetValue<string>()));
            var encryptionKey = PublicKey.Parse(Convert.FromHexString(c["encryption_key"]!.GetValue<string>()));
            var hash = Convert.FromHexString(c["message_hash"]!.GetValue<string>());
            Assert.Equal(error is null, adaptor.Verify(signingKey, hash, encryptionKey));
            if (error is null)
            {
                using var decryption = SecretKey.Create(Convert.FromHexString(c["decryption_key"]!.GetValue<string>()));
                Assert.True(Ecdsa.Verify(adaptor.Decrypt(decryption), hash, signingKey));
            }

            checkedCases++;
        }

        Assert.True(checkedCases >= 8);
    }

    private static readonly SecretKey SecretKeyOne = SecretKey.Create(Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000001"));
}
