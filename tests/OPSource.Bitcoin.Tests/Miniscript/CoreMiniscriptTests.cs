using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>
/// Every miniscript case of Bitcoin Core v29.2 src/test/miniscript_tests.cpp (fixed_tests), each
/// with the line it is transcribed from. Each case runs in P2WSH and Tapscript as Core's Test()
/// does: validity, script bytes, malleability, signature need, timelock mix, script round trip,
/// ops/stack/witness bounds, and TestSatisfy: satisfactions for growing random sets of available
/// keys, preimages and timelocks, each verified through our consensus interpreter.
/// </summary>
public class CoreMiniscriptTests
{
    private static readonly int Seed = Environment.GetEnvironmentVariable("OPSOURCE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();

    private static readonly CoreMiniscriptCase[] Cases =
    [
        // miniscript_tests.cpp fixed_tests, lines 506-592 (validity rules, aliases, the random set), 608-666 and 714-724.
        new(506, "l:older(1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(507, "l:older(0)", "?", "?", TestMode.Invalid),
        new(508, "l:older(2147483647)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(509, "l:older(2147483648)", "?", "?", TestMode.Invalid),
        new(510, "u:after(1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(511, "u:after(0)", "?", "?", TestMode.Invalid),
        new(512, "u:after(2147483647)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(513, "u:after(2147483648)", "?", "?", TestMode.Invalid),
        new(514, "andor(0,1,1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(515, "andor(a:0,1,1)", "?", "?", TestMode.Invalid),
        new(516, "andor(0,a:1,a:1)", "?", "?", TestMode.Invalid),
        new(517, "andor(1,1,1)", "?", "?", TestMode.Invalid),
        new(518, "andor(n:or_i(0,after(1)),1,1)", "?", "?", TestMode.Valid),
        new(519, "andor(or_i(0,after(1)),1,1)", "?", "?", TestMode.Invalid),
        new(520, "c:andor(0,pk_k(03a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7),pk_k(036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00))", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(521, "t:andor(0,v:1,v:1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(522, "and_v(v:1,1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(523, "t:and_v(v:1,v:1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(524, "c:and_v(v:1,pk_k(036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00))", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(525, "and_v(1,1)", "?", "?", TestMode.Invalid),
        new(526, "and_v(pk_k(02352bbf4a4cdd12564f93fa332ce333301d9ad40271f8107181340aef25be59d5),1)", "?", "?", TestMode.Invalid),
        new(527, "and_v(v:1,a:1)", "?", "?", TestMode.Invalid),
        new(528, "and_b(1,a:1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(529, "and_b(1,1)", "?", "?", TestMode.Invalid),
        new(530, "and_b(v:1,a:1)", "?", "?", TestMode.Invalid),
        new(531, "and_b(a:1,a:1)", "?", "?", TestMode.Invalid),
        new(532, "and_b(pk_k(025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc),a:1)", "?", "?", TestMode.Invalid),
        new(533, "or_b(0,a:0)", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(534, "or_b(1,a:0)", "?", "?", TestMode.Invalid),
        new(535, "or_b(0,a:1)", "?", "?", TestMode.Invalid),
        new(536, "or_b(0,0)", "?", "?", TestMode.Invalid),
        new(537, "or_b(v:0,a:0)", "?", "?", TestMode.Invalid),
        new(538, "or_b(a:0,a:0)", "?", "?", TestMode.Invalid),
        new(539, "or_b(pk_k(025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc),a:0)", "?", "?", TestMode.Invalid),
        new(540, "t:or_c(0,v:1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(541, "t:or_c(a:0,v:1)", "?", "?", TestMode.Invalid),
        new(542, "t:or_c(1,v:1)", "?", "?", TestMode.Invalid),
        new(543, "t:or_c(n:or_i(0,after(1)),v:1)", "?", "?", TestMode.Valid),
        new(544, "t:or_c(or_i(0,after(1)),v:1)", "?", "?", TestMode.Invalid),
        new(545, "t:or_c(0,1)", "?", "?", TestMode.Invalid),
        new(546, "or_d(0,1)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(547, "or_d(a:0,1)", "?", "?", TestMode.Invalid),
        new(548, "or_d(1,1)", "?", "?", TestMode.Invalid),
        new(549, "or_d(n:or_i(0,after(1)),1)", "?", "?", TestMode.Valid),
        new(550, "or_d(or_i(0,after(1)),1)", "?", "?", TestMode.Invalid),
        new(551, "or_d(0,v:1)", "?", "?", TestMode.Invalid),
        new(552, "or_i(1,1)", "?", "?", TestMode.Valid),
        new(553, "t:or_i(v:1,v:1)", "?", "?", TestMode.Valid),
        new(554, "c:or_i(pk_k(03a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7),pk_k(036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00))", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(555, "or_i(a:1,a:1)", "?", "?", TestMode.Invalid),
        new(556, "or_b(l:after(100),al:after(1000000000))", "?", "?", TestMode.Valid),
        new(557, "and_b(after(100),a:after(1000000000))", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.TimelockMix),
        new(558, "pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65)", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac", "20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(559, "pkh(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65)", "76a914fcd35ddacad9f2d5be5e464639441c6065e6955d88ac", "76a914fd1690c37fa3b0f04395ddc9415b220ab1ccc59588ac", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig),
        new(562, "lltvln:after(1231488000)", "6300676300676300670400046749b1926869516868", "=", TestMode.Valid | TestMode.NonMal, 12, 3, 3, 3, 3),
        new(563, "uuj:and_v(v:multi(2,03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a,025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc),after(1231488000))", "6363829263522103d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a21025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc52af0400046749b168670068670068", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.TapscriptInvalid, 14, 5, 2 + 2 + 1 + 2 * 73, 0, 7),
        new(564, "or_b(un:multi(2,03daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee8729,024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97),al:older(16))", "63522103daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee872921024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c9752ae926700686b63006760b2686c9b", "?", TestMode.Valid | TestMode.TapscriptInvalid, 14, 5, 2 + 1 + 2 * 73 + 2, 0, 8),
        new(565, "j:and_v(vdv:after(1567547623),older(2016))", "829263766304e7e06e5db169686902e007b268", "=", TestMode.Valid | TestMode.NonMal, 11, 1, 2, 2, 2),
        new(566, "t:and_v(vu:hash256(131772552c01444cd81360818376a040b7c3b2b7b0a53550ee3edde216cec61b),v:sha256(ec4916dd28fc4c10d78e287ca5d9cc51ee1ae73cbfde08c6b37324cbfaac8bc5))", "6382012088aa20131772552c01444cd81360818376a040b7c3b2b7b0a53550ee3edde216cec61b876700686982012088a820ec4916dd28fc4c10d78e287ca5d9cc51ee1ae73cbfde08c6b37324cbfaac8bc58851", "6382012088aa20131772552c01444cd81360818376a040b7c3b2b7b0a53550ee3edde216cec61b876700686982012088a820ec4916dd28fc4c10d78e287ca5d9cc51ee1ae73cbfde08c6b37324cbfaac8bc58851", TestMode.Valid | TestMode.NonMal, 12, 3, 2 + 33 + 33, 2 + 33 + 33, 4),
        new(567, "t:andor(multi(3,02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e,03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556,02e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13),v:older(4194305),v:sha256(9267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed2))", "532102d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e2103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a14602975562102e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd1353ae6482012088a8209267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed2886703010040b2696851", "?", TestMode.Valid | TestMode.NonMal | TestMode.TapscriptInvalid, 13, 5, 1 + 3 * 73, 0, 10),
        new(568, "or_d(multi(1,02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9),or_b(multi(3,022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01,032fa2104d6b38d11b0230010559879124e42ab8dfeff5ff29dc9cdadd4ecacc3f,03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a),su:after(500000)))", "512102f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f951ae73645321022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a0121032fa2104d6b38d11b0230010559879124e42ab8dfeff5ff29dc9cdadd4ecacc3f2103d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a53ae7c630320a107b16700689b68", "?", TestMode.Valid | TestMode.NonMal | TestMode.TapscriptInvalid, 15, 7, 2 + 1 + 3 * 73 + 1, 0, 10),
        new(569, "or_d(sha256(38df1c1f64a24a77b23393bca50dff872e31edc4f3b5aa3b90ad0b82f4f089b6),and_n(un:after(499999999),older(4194305)))", "82012088a82038df1c1f64a24a77b23393bca50dff872e31edc4f3b5aa3b90ad0b82f4f089b68773646304ff64cd1db19267006864006703010040b26868", "82012088a82038df1c1f64a24a77b23393bca50dff872e31edc4f3b5aa3b90ad0b82f4f089b68773646304ff64cd1db19267006864006703010040b26868", TestMode.Valid, 16, 1, 33, 33, 3),
        new(570, "and_v(or_i(v:multi(2,02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5,03774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cb),v:multi(2,03e60fce93b59e9ec53011aabc21c23e97b2a31369b87a5ae9c44ee89e2a6dec0a,025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc)),sha256(d1ec675902ef1633427ca360b290b0b3045a0d9058ddb5e648b4c3c3224c5c68))", "63522102c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee52103774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cb52af67522103e60fce93b59e9ec53011aabc21c23e97b2a31369b87a5ae9c44ee89e2a6dec0a21025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc52af6882012088a820d1ec675902ef1633427ca360b290b0b3045a0d9058ddb5e648b4c3c3224c5c6887", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.TapscriptInvalid, 11, 5, 2 + 1 + 2 * 73 + 33, 0, 8),
        new(571, "j:and_b(multi(2,0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798,024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97),s:or_i(older(1),older(4252898)))", "82926352210279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179821024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c9752ae7c6351b26703e2e440b2689a68", "?", TestMode.Valid | TestMode.NeedSig | TestMode.TapscriptInvalid, 14, 4, 1 + 2 * 73 + 2, 0, 8),
        new(572, "and_b(older(16),s:or_d(sha256(e38990d0c7fc009880a9c07c23842e886c6bbdc964ce6bdd5817ad357335ee6f),n:after(1567547623)))", "60b27c82012088a820e38990d0c7fc009880a9c07c23842e886c6bbdc964ce6bdd5817ad357335ee6f87736404e7e06e5db192689a", "=", TestMode.Valid, 12, 1, 33, 33, 4),
        new(573, "j:and_v(v:hash160(20195b5a3d650c17f0f29f91c33f8f6335193d07),or_d(sha256(96de8fc8c256fa1e1556d41af431cace7dca68707c78dd88c3acab8b17164c47),older(16)))", "82926382012088a91420195b5a3d650c17f0f29f91c33f8f6335193d078882012088a82096de8fc8c256fa1e1556d41af431cace7dca68707c78dd88c3acab8b17164c4787736460b26868", "=", TestMode.Valid, 16, 2, 33 + 33, 33 + 33, 4),
        new(574, "and_b(hash256(32ba476771d01e37807990ead8719f08af494723de1d228f2c2c07cc0aa40bac),a:and_b(hash256(131772552c01444cd81360818376a040b7c3b2b7b0a53550ee3edde216cec61b),a:older(1)))", "82012088aa2032ba476771d01e37807990ead8719f08af494723de1d228f2c2c07cc0aa40bac876b82012088aa20131772552c01444cd81360818376a040b7c3b2b7b0a53550ee3edde216cec61b876b51b26c9a6c9a", "=", TestMode.Valid | TestMode.NonMal, 15, 2, 33 + 33, 33 + 33, 4),
        new(575, "thresh(2,multi(2,03a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7,036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00),a:multi(1,036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00),ac:pk_k(022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01))", "522103a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c721036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a0052ae6b5121036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a0051ae6c936b21022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01ac6c935287", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.TapscriptInvalid, 13, 6, 1 + 2 * 73 + 1 + 73 + 1, 0, 10),
        new(576, "and_n(sha256(d1ec675902ef1633427ca360b290b0b3045a0d9058ddb5e648b4c3c3224c5c68),t:or_i(v:older(4252898),v:older(144)))", "82012088a820d1ec675902ef1633427ca360b290b0b3045a0d9058ddb5e648b4c3c3224c5c68876400676303e2e440b26967029000b269685168", "=", TestMode.Valid, 14, 2, 33 + 2, 33 + 2, 4),
        new(577, "or_d(nd:and_v(v:older(4252898),v:older(4252898)),sha256(38df1c1f64a24a77b23393bca50dff872e31edc4f3b5aa3b90ad0b82f4f089b6))", "766303e2e440b26903e2e440b2696892736482012088a82038df1c1f64a24a77b23393bca50dff872e31edc4f3b5aa3b90ad0b82f4f089b68768", "=", TestMode.Valid, 15, 2, 1 + 33, 1 + 33, 3),
        new(578, "c:and_v(or_c(sha256(9267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed2),v:multi(1,02c44d12c7065d812e8acf28d7cbb19f9011ecd9e9fdf281b0e6a3b5e87d22e7db)),pk_k(03acd484e2f0c7f65309ad178a9f559abde09796974c57e714c35f110dfc27ccbe))", "82012088a8209267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed28764512102c44d12c7065d812e8acf28d7cbb19f9011ecd9e9fdf281b0e6a3b5e87d22e7db51af682103acd484e2f0c7f65309ad178a9f559abde09796974c57e714c35f110dfc27ccbeac", "?", TestMode.Valid | TestMode.NeedSig | TestMode.TapscriptInvalid, 8, 2, 33 + 73, 0, 4),
        new(579, "c:and_v(or_c(multi(2,036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a00,02352bbf4a4cdd12564f93fa332ce333301d9ad40271f8107181340aef25be59d5),v:ripemd160(1b0f3c404d12075c68c938f9f60ebea4f74941a0)),pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556))", "5221036d2b085e9e382ed10b69fc311a03f8641ccfff21574de0927513a49d9a688a002102352bbf4a4cdd12564f93fa332ce333301d9ad40271f8107181340aef25be59d552ae6482012088a6141b0f3c404d12075c68c938f9f60ebea4f74941a088682103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.TapscriptInvalid, 10, 5, 1 + 2 * 73 + 73, 0, 9),
        new(580, "and_v(andor(hash256(8a35d9ca92a48eaade6f53a64985e9e2afeb74dcf8acb4c3721e0dc7e4294b25),v:hash256(939894f70e6c3a25da75da0cc2071b4076d9b006563cf635986ada2e93c0d735),v:older(50000)),after(499999999))", "82012088aa208a35d9ca92a48eaade6f53a64985e9e2afeb74dcf8acb4c3721e0dc7e4294b2587640350c300b2696782012088aa20939894f70e6c3a25da75da0cc2071b4076d9b006563cf635986ada2e93c0d735886804ff64cd1db1", "=", TestMode.Valid, 14, 2, 33 + 33, 33 + 33, 4),
        new(581, "andor(hash256(5f8d30e655a7ba0d7596bb3ddfb1d2d20390d23b1845000e1e118b3be1b3f040),j:and_v(v:hash160(3a2bff0da9d96868e66abc4427bea4691cf61ccd),older(4194305)),ripemd160(44d90e2d3714c8663b632fcf0f9d5f22192cc4c8))", "82012088aa205f8d30e655a7ba0d7596bb3ddfb1d2d20390d23b1845000e1e118b3be1b3f040876482012088a61444d90e2d3714c8663b632fcf0f9d5f22192cc4c8876782926382012088a9143a2bff0da9d96868e66abc4427bea4691cf61ccd8803010040b26868", "=", TestMode.Valid, 20, 2, 33 + 33, 33 + 33, 4),
        new(582, "or_i(c:and_v(v:after(500000),pk_k(02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5)),sha256(d9147961436944f43cd99d28b2bbddbf452ef872b30c8279e255e7daafc7f946))", "630320a107b1692102c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5ac6782012088a820d9147961436944f43cd99d28b2bbddbf452ef872b30c8279e255e7daafc7f9468768", "630320a107b16920c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5ac6782012088a820d9147961436944f43cd99d28b2bbddbf452ef872b30c8279e255e7daafc7f9468768", TestMode.Valid | TestMode.NonMal, 10, 2, 2 + 73, 2 + 66, 3),
        new(583, "thresh(2,c:pk_h(025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc),s:sha256(e38990d0c7fc009880a9c07c23842e886c6bbdc964ce6bdd5817ad357335ee6f),a:hash160(dd69735817e0e3f6f826a9238dc2e291184f0131))", "76a9145dedfbf9ea599dd4e3ca6a80b333c472fd0b3f6988ac7c82012088a820e38990d0c7fc009880a9c07c23842e886c6bbdc964ce6bdd5817ad357335ee6f87936b82012088a914dd69735817e0e3f6f826a9238dc2e291184f0131876c935287", "76a9141a7ac36cfa8431ab2395d701b0050045ae4a37d188ac7c82012088a820e38990d0c7fc009880a9c07c23842e886c6bbdc964ce6bdd5817ad357335ee6f87936b82012088a914dd69735817e0e3f6f826a9238dc2e291184f0131876c935287", TestMode.Valid, 18, 4, 1 + 34 + 33 + 33, 1 + 33 + 33 + 33, 6),
        new(584, "and_n(sha256(9267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed2),uc:and_v(v:older(144),pk_k(03fe72c435413d33d48ac09c9161ba8b09683215439d62b7940502bda8b202e6ce)))", "82012088a8209267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed28764006763029000b2692103fe72c435413d33d48ac09c9161ba8b09683215439d62b7940502bda8b202e6ceac67006868", "82012088a8209267d3dbed802941483f1afa2a6bc68de5f653128aca9bf1461c5d0a3ad36ed28764006763029000b26920fe72c435413d33d48ac09c9161ba8b09683215439d62b7940502bda8b202e6ceac67006868", TestMode.Valid | TestMode.NeedSig, 13, 3, 33 + 2 + 73, 33 + 2 + 66, 5),
        new(585, "and_n(c:pk_k(03daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee8729),and_b(l:older(4252898),a:older(16)))", "2103daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee8729ac64006763006703e2e440b2686b60b26c9a68", "20daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee8729ac64006763006703e2e440b2686b60b26c9a68", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.TimelockMix, 12, 2, 73 + 1, 66 + 1, 3),
        new(586, "c:or_i(and_v(v:older(16),pk_h(02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e)),pk_h(026a245bf6dc698504c89a20cfded60853152b695336c28063b61c65cbd269e6b4))", "6360b26976a9149fc5dbe5efdce10374a4dd4053c93af540211718886776a9142fbd32c8dd59ee7c17e66cb6ebea7e9846c3040f8868ac", "6360b26976a9144d4421361c3289bdad06441ffaee8be8e786f1ad886776a91460d4a7bcbd08f58e58bd208d1069837d7adb16ae8868ac", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig, 12, 3, 2 + 34 + 73, 2 + 33 + 66, 4),
        new(587, "or_d(c:pk_h(02e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13),andor(c:pk_k(024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97),older(2016),after(1567547623)))", "76a914c42e7ef92fdb603af844d064faad95db9bcdfd3d88ac736421024ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97ac6404e7e06e5db16702e007b26868", "76a91421ab1a140d0d305b8ff62bdb887d9fef82c9899e88ac7364204ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97ac6404e7e06e5db16702e007b26868", TestMode.Valid | TestMode.NonMal, 13, 3, 1 + 34 + 73, 1 + 33 + 66, 5),
        new(588, "c:andor(ripemd160(6ad07d21fd5dfc646f0b30577045ce201616b9ba),pk_h(02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e),and_v(v:hash256(8a35d9ca92a48eaade6f53a64985e9e2afeb74dcf8acb4c3721e0dc7e4294b25),pk_h(03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a)))", "82012088a6146ad07d21fd5dfc646f0b30577045ce201616b9ba876482012088aa208a35d9ca92a48eaade6f53a64985e9e2afeb74dcf8acb4c3721e0dc7e4294b258876a914dd100be7d9aea5721158ebde6d6a1fd8fff93bb1886776a9149fc5dbe5efdce10374a4dd4053c93af5402117188868ac", "82012088a6146ad07d21fd5dfc646f0b30577045ce201616b9ba876482012088aa208a35d9ca92a48eaade6f53a64985e9e2afeb74dcf8acb4c3721e0dc7e4294b258876a914a63d1e4d2ed109246c600ec8c19cce546b65b1cc886776a9144d4421361c3289bdad06441ffaee8be8e786f1ad8868ac", TestMode.Valid | TestMode.NeedSig, 18, 3, 33 + 34 + 73, 33 + 33 + 66, 5),
        new(589, "c:andor(u:ripemd160(6ad07d21fd5dfc646f0b30577045ce201616b9ba),pk_h(03daed4f2be3a8bf278e70132fb0beb7522f570e144bf615c07e996d443dee8729),or_i(pk_h(022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01),pk_h(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)))", "6382012088a6146ad07d21fd5dfc646f0b30577045ce201616b9ba87670068646376a9149652d86bedf43ad264362e6e6eba6eb764508127886776a914751e76e8199196d454941c45d1b3a323f1433bd688686776a91420d637c1a6404d2227f3561fdbaff5a680dba6488868ac", "6382012088a6146ad07d21fd5dfc646f0b30577045ce201616b9ba87670068646376a914ceedcb44b38bdbcb614d872223964fd3dca8a434886776a914f678d9b79045452c8c64e9309d0f0046056e26c588686776a914a2a75e1819afa208f6c89ae0da43021116dfcb0c8868ac", TestMode.Valid | TestMode.NeedSig, 23, 4, 2 + 33 + 34 + 73, 2 + 33 + 33 + 66, 5),
        new(590, "c:or_i(andor(c:pk_h(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),pk_h(022f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01),pk_h(02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5)),pk_k(02d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e))", "6376a914fcd35ddacad9f2d5be5e464639441c6065e6955d88ac6476a91406afd46bcdfd22ef94ac122aa11f241244a37ecc886776a9149652d86bedf43ad264362e6e6eba6eb7645081278868672102d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e68ac", "6376a914fd1690c37fa3b0f04395ddc9415b220ab1ccc59588ac6476a9149b652a14674a506079f574d20ca7daef6f9a66bb886776a914ceedcb44b38bdbcb614d872223964fd3dca8a43488686720d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080e68ac", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig, 17, 5, 2 + 34 + 73 + 34 + 73, 2 + 33 + 66 + 33 + 66, 6),
        new(591, "thresh(1,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),altv:after(1000000000),altv:after(100))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b6300670400ca9a3bb16951686c936b6300670164b16951686c935187", "20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b6300670400ca9a3bb16951686c936b6300670164b16951686c935187", TestMode.Valid, 18, 3, 73 + 2 + 2, 66 + 2 + 2, 4),
        new(592, "thresh(2,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),ac:pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556),altv:after(1000000000),altv:after(100))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b2103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac6c936b6300670400ca9a3bb16951686c936b6300670164b16951686c935287", "20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b20fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac6c936b6300670400ca9a3bb16951686c936b6300670164b16951686c935287", TestMode.Valid | TestMode.NonMal | TestMode.TimelockMix, 22, 4, 73 + 73 + 2 + 2, 66 + 66 + 2 + 2, 5),
        new(608, "and_v(v:multi_a(2,03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a,025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc),after(1231488000))", "?", "20d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85aac205601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7ccba529d0400046749b1", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid, 4, 2, null, null, 3),
        new(618, "thresh(2,dv:older(42),s:pk(025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc),s:pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65))", "?", "7663012ab269687c205cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bcac937c20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac935287", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid, 12, 3, null, null, 4),
        new(660, "thresh(2,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),altv:after(100))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b6300670164b16951686c935287", "20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac6b6300670164b16951686c935287", TestMode.Valid | TestMode.NeedSig | TestMode.NonMal),
        new(662, "thresh(1,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),sc:pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac7c2103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac935187", "20d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac7c20fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac935187", TestMode.Valid | TestMode.NeedSig | TestMode.NonMal),
        new(664, "thresh(3,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),sc:pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac7c2103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac935187", "=", TestMode.Invalid),
        new(666, "thresh(0,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),sc:pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556))", "2103d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65ac7c2103fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ac935187", "=", TestMode.Invalid),
        new(714, "after(100)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(715, "after(1000000000)", "?", "?", TestMode.Valid | TestMode.NonMal),
        new(716, "or_b(l:after(100),al:after(1000000000))", "?", "?", TestMode.Valid),
        new(717, "and_b(after(100),a:after(1000000000))", "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.TimelockMix),
        new(722, "thresh(2,ltv:after(1000000000),altv:after(100),a:pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65))", "?", "?", TestMode.Valid | TestMode.TimelockMix | TestMode.NonMal),
        new(724, "thresh(1,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),altv:after(1000000000),altv:after(100))", "?", "?", TestMode.Valid),
    ];

    public static TheoryData<int> CaseLines()
    {
        var data = new TheoryData<int>();
        foreach (var c in Cases)
        {
            data.Add(c.Line);
        }

        return data;
    }

    private static Random Rng(int salt) => new(Seed ^ salt);

    [Theory]
    [MemberData(nameof(CaseLines))]
    public void Core_fixed_test(int line)
    {
        var c = Cases.Single(x => x.Line == line);
        CoreMiniscriptHarness.Run(c, Rng(line));
    }

    private static string PubHex(int i) => Hex.Encode(CoreTestData.Instance.Value.PubKeys[i].ToCompressed());

    // miniscript_tests.cpp line 609-616: more than 20 keys in a multi_a.
    [Fact]
    public void Multi_a_with_21_keys()
    {
        var ms = "multi_a(1," + string.Join(',', Enumerable.Range(0, 21).Select(PubHex)) + ")";
        CoreMiniscriptHarness.Run(new CoreMiniscriptCase(616, ms, "?",
            "2079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac20c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5ba20f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9ba20e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13ba202f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4ba20fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ba205cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bcba202f01e5e15cca351daff3843fb70f3c2f0a1bdd05e5af888a67784ef3e10a2a01ba20acd484e2f0c7f65309ad178a9f559abde09796974c57e714c35f110dfc27ccbeba20a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7ba20774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cbba20d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85aba20f28773c2d975288bc7d1d205c3748651b075fbc6610e58cddeeddf8f19405aa8ba20499fdf9e895e719cfd64e67f07d38e3226aa7b63678949e6e49b241a60e823e4ba20d7924d4f7d43ea965a465ae3095ff41131e5946f3c85f79e44adbcf8e27e080eba20e60fce93b59e9ec53011aabc21c23e97b2a31369b87a5ae9c44ee89e2a6dec0aba20defdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34ba205601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7ccba202b4ea0a797a443d293ef5cff444f4979f06acfebd7e86d277475656138385b6cba204ce119c96e2fa357200b559b2f7dd5a5f02d5290aff74b03f3e471b273211c97ba20352bbf4a4cdd12564f93fa332ce333301d9ad40271f8107181340aef25be59d5ba519c",
            TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid, 22, 21, null, null, 22), Rng(616));
    }

    // miniscript_tests.cpp lines 619-629: > 201 ops (n = 99), stack > 100 (n = 110), script > 3600 bytes (n = 200): Tapscript only.
    [Theory]
    [InlineData(99)]
    [InlineData(110)]
    [InlineData(200)]
    public void Large_tapscript_only_expressions(int pkCount)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pkCount - 1; i++)
        {
            sb.Append("and_b(pk(").Append(PubHex(i)).Append("),a:");
        }

        sb.Append("pk(").Append(PubHex(pkCount - 1)).Append(')').Append(')', pkCount - 1);
        CoreMiniscriptHarness.Run(new CoreMiniscriptCase(628, sb.ToString(), "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid,
            pkCount + ((pkCount - 1) * 3), pkCount, null, null, pkCount + 1), Rng(628 + pkCount));
    }

    // miniscript_tests.cpp lines 630-653: a script reaching 1000 stack elements is fine, 1001 is detected.
    [Fact]
    public void Tapscript_execution_stack_limit()
    {
        var count = 998;
        var ms = string.Concat(Enumerable.Repeat("and_b(older(1),a:", count)) + "pk(" + PubHex(0) + ")" + new string(')', count);
        var ok = Miniscripts.Parse(ms, MiniscriptContext.Tapscript, MiniscriptChecks.Syntax);
        Assert.True(ok.CheckStackSize());
        CoreMiniscriptHarness.Run(new CoreMiniscriptCase(646, ms, "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid,
            (4 * count) + 1, 1, null, null, 1 + count + 1), Rng(646));
        count++;
        ms = "and_b(older(1),a:" + ms + ")";
        var nok = Miniscripts.Parse(ms, MiniscriptContext.Tapscript, MiniscriptChecks.Syntax);
        Assert.False(nok.CheckStackSize());
        CoreMiniscriptHarness.Run(new CoreMiniscriptCase(653, ms, "?", "?", TestMode.Valid | TestMode.NonMal | TestMode.NeedSig | TestMode.P2WshInvalid,
            (4 * count) + 1, 1, null, null, 1 + count + 1), Rng(653));
    }

    // miniscript_tests.cpp lines 598-605: multi_a edge cases when decoding scripts.
    [Theory]
    [InlineData("ac519c")]
    [InlineData("ba20c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5ba519c")]
    [InlineData("ac2079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac20c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5ba519c")]
    public void Malformed_multi_a_scripts_do_not_decode(string hex)
    {
        Assert.False(Miniscripts.TryFromScript(Script.FromHex(hex), MiniscriptContext.Tapscript, out _, out var error));
        Assert.Equal(MiniscriptErrorKind.NotMiniscript, error!.Kind);
    }

    // miniscript_tests.cpp lines 656-663: a non-minimal push, and CHECKSIG VERIFY instead of CHECKSIGVERIFY, are not miniscript.
    [Theory]
    [InlineData("0000210232780000feff00ffffffffffff21ff005f00ae21ae00000000060602060406564c2102320000060900fe00005f00ae21ae00100000060606060606000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("2103a0434d9e47f3c86235477c7b1ae6ae5d3442d49b1943c2b752a68e2a47e247c7ac6951")]
    public void Non_minimal_scripts_do_not_decode(string hex)
    {
        Assert.False(Miniscripts.TryFromScript(Script.FromHex(hex), MiniscriptContext.P2Wsh, out _, out _));
        Assert.False(Miniscripts.TryFromScript(Script.FromHex(hex), MiniscriptContext.Tapscript, out _, out _));
    }

    // miniscript_tests.cpp lines 668-672: CHECKMULTISIG counts its keys as ops, the stack holds the signatures plus the dummy.
    [Fact]
    public void Multi_ops_and_stack_size()
    {
        var ms = Miniscripts.Parse("multi(1,03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65,03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556,0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)", MiniscriptContext.P2Wsh);
        Assert.Equal(4, ms.MaxOps);
        Assert.Equal(2, ms.MaxStackSize);
    }

    // miniscript_tests.cpp lines 673-681: d: is not u in P2WSH (MINIMALIF is only policy there), so it cannot be a thresh child.
    [Fact]
    public void D_wrapper_is_not_u_in_p2wsh()
    {
        var ms = Miniscripts.Parse("thresh(3,c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),sc:pk_k(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556),sc:pk_k(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798),sdv:older(32))", MiniscriptContext.P2Wsh, MiniscriptChecks.Syntax);
        Assert.False(ms.IsValid);
    }

    // miniscript_tests.cpp lines 682-697: duplicate keys make a miniscript insane.
    [Theory]
    [InlineData("and_v(v:pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65))")]
    [InlineData("or_b(c:pk_k(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),ac:pk_h(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65))")]
    [InlineData("or_i(and_b(pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),s:pk(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556)),and_b(older(1),s:pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65)))")]
    [InlineData("thresh(2,pkh(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65),s:pk(03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556),a:and_b(dv:older(1),s:pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65)))")]
    public void Duplicate_keys_are_not_sane(string text)
    {
        var ms = Miniscripts.Parse(text, MiniscriptContext.P2Wsh, MiniscriptChecks.Syntax);
        Assert.False(ms.IsSane);
        Assert.False(ms.CheckDuplicateKey);
        Assert.False(Miniscripts.TryParse(text, MiniscriptContext.P2Wsh, out _, out var error, MiniscriptChecks.Sane));
        Assert.Contains("is not sane", error!.Message, StringComparison.Ordinal);
    }

    // miniscript_tests.cpp lines 698-700: the opposite holds too.
    [Fact]
    public void Single_key_is_sane()
    {
        var ms = Miniscripts.Parse("pk(03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65)", MiniscriptContext.P2Wsh, MiniscriptChecks.Sane);
        Assert.True(ms.CheckDuplicateKey);
        Assert.True(ms.IsSane);
    }

    // miniscript_tests.cpp lines 701-709: the insane sub-expression closest to a leaf is reported.
    [Fact]
    public void Finds_the_deepest_insane_sub()
    {
        var ms = Miniscripts.Parse("or_i(and_b(after(1),a:after(1000000000)),pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204))", MiniscriptContext.P2Wsh);
        Assert.True(ms.IsValid);
        Assert.False(ms.IsSane);
        Assert.Equal("and_b(after(1),a:after(1000000000))", ms.FindInsaneSub()!.ToString(MiniscriptPublicKeys.Default));
    }

    // miniscript_tests.cpp lines 711-715: numbers cannot carry a sign.
    [Theory]
    [InlineData("after(-1)")]
    [InlineData("after(+1)")]
    [InlineData("thresh(-1,pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204))")]
    [InlineData("multi(+1,03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204)")]
    public void Signed_numbers_are_refused(string text)
    {
        Assert.False(Miniscripts.TryParse(text, MiniscriptContext.P2Wsh, out _, out _, MiniscriptChecks.Syntax));
    }
}
