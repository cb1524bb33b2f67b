using OPSource.Crypto.Secp256k1;

namespace OPSource.Crypto.Tests;

/// <summary>Hot paths must not allocate on the managed heap once tables are built.</summary>
public class Secp256k1AllocationTests
{
    private static void Measure(string name, Action action, List<string> report)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            action();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated != 0)
        {
            report.Add($"{name}: {allocated} bytes over 5 calls");
        }
    }

    [Fact]
    public void Sign_verify_ecdh_and_derivation_do_not_allocate()
    {
        using SecretKey key = SecretKey.Create(Convert.FromHexString("B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF"));
        byte[] msg = Convert.FromHexString("243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89");
        byte[] sig64 = new byte[64];
        byte[] out32 = new byte[32];
        PublicKey pub = key.PublicKey;
        XOnlyPublicKey xonly = key.XOnlyPublicKey;

        void Run()
        {
            EcdsaSignature sig = Ecdsa.Sign(key, msg);
            Assert.True(Ecdsa.Verify(sig, msg, pub));
            Schnorr.Sign(key, msg, msg, sig64);
            Assert.True(Schnorr.Verify(sig64, msg, xonly));
            Ecdh.ComputeSharedSecret(key, pub, out32);
            EcMult.MultiplyGenerator(key.Scalar).ToAffine().WriteCompressed(sig64);
        }

        Run(); // build tables, JIT
        var report = new List<string>();
        Measure("ecdsa sign", () => Ecdsa.Sign(key, msg), report);
        EcdsaSignature s = Ecdsa.Sign(key, msg);
        Measure("ecdsa verify", () => Ecdsa.Verify(s, msg, pub), report);
        Measure("schnorr sign", () => Schnorr.Sign(key, msg, msg, sig64), report);
        Measure("schnorr verify", () => Schnorr.Verify(sig64, msg, xonly), report);
        Measure("ecdh", () => Ecdh.ComputeSharedSecret(key, pub, out32), report);
        Measure("derive", () => EcMult.MultiplyGenerator(key.Scalar).ToAffine().WriteCompressed(sig64), report);
        Assert.True(report.Count == 0, string.Join("; ", report));
    }
}
