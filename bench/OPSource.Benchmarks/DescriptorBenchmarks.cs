using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;

namespace OPSource.Benchmarks;

/// <summary>
/// Descriptor parsing/derivation and BIP322 verification. Baseline: one raw BIP32 public child
/// derivation (ExtPubKey.Derive), the unavoidable cost inside every ranged descriptor derivation.
/// </summary>
[MemoryDiagnoser]
public class DescriptorBenchmarks
{
    private const string Xpub = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";
    private const string WpkhText = "wpkh([ffffffff/13']" + Xpub + "/1/2/*)";
    private const string TrText = "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{pk(xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/*),{pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0),pk(02df12b7035bdac8e3bab862a3a83d06ea6b17b6753d52edecba9be46f5d09e076)}})";
    private const string Bip322Sig = "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=";

    private ExtPubKey _prefix = null!;
    private Descriptor _wpkh = null!;
    private Descriptor _tr = null!;
    private Address _p2wpkh = null!;
    private uint _index;

    [GlobalSetup]
    public void Setup()
    {
        _prefix = ExtPubKey.Parse(Xpub).Derive(KeyPath.Parse("m/1/2"));
        _wpkh = Descriptor.Parse(WpkhText);
        _tr = Descriptor.Parse(TrText);
        _p2wpkh = Address.Parse("bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l");
    }

    [Benchmark(Baseline = true)]
    public object Bip32_public_child() => _prefix.Derive(_index++ & 0xffff);

    [Benchmark]
    public object Wpkh_derive_one_index() => _wpkh.GetScriptPubKeys(_index++ & 0xffff);

    [Benchmark]
    public object Tr_tree_derive_one_index() => _tr.GetScriptPubKeys(_index++ & 0xffff);

    [Benchmark]
    public object Parse_tr_with_tree() => Descriptor.Parse(TrText);

    [Benchmark]
    public string Checksum_tr() => DescriptorChecksum.Compute(TrText);

    [Benchmark]
    public bool Bip322_verify_simple_p2wpkh() => Bip322Message.Verify(_p2wpkh, "Hello World", Bip322Sig).IsValid;
}
