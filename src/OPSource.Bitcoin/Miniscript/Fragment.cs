namespace OPSource.Bitcoin.Miniscript;

/// <summary>
/// The miniscript fragments (BIP379 "Translation table"; Core <c>miniscript::Fragment</c>). The
/// sugar forms map onto these: <c>pk(K)</c> = <c>c:pk_k(K)</c>, <c>pkh(K)</c> = <c>c:pk_h(K)</c>,
/// <c>and_n(X,Y)</c> = <c>andor(X,Y,0)</c>, <c>t:X</c> = <c>and_v(X,1)</c>, <c>l:X</c> =
/// <c>or_i(0,X)</c>, <c>u:X</c> = <c>or_i(X,0)</c>.
/// </summary>
public enum Fragment
{
    /// <summary><c>0</c>: OP_0.</summary>
    Just0,

    /// <summary><c>1</c>: OP_1.</summary>
    Just1,

    /// <summary><c>pk_k(K)</c>: &lt;K&gt;.</summary>
    PkK,

    /// <summary><c>pk_h(K)</c>: OP_DUP OP_HASH160 &lt;HASH160(K)&gt; OP_EQUALVERIFY.</summary>
    PkH,

    /// <summary><c>older(n)</c>: &lt;n&gt; OP_CHECKSEQUENCEVERIFY.</summary>
    Older,

    /// <summary><c>after(n)</c>: &lt;n&gt; OP_CHECKLOCKTIMEVERIFY.</summary>
    After,

    /// <summary><c>sha256(h)</c>: OP_SIZE 32 OP_EQUALVERIFY OP_SHA256 &lt;h&gt; OP_EQUAL.</summary>
    Sha256,

    /// <summary><c>hash256(h)</c>: OP_SIZE 32 OP_EQUALVERIFY OP_HASH256 &lt;h&gt; OP_EQUAL.</summary>
    Hash256,

    /// <summary><c>ripemd160(h)</c>: OP_SIZE 32 OP_EQUALVERIFY OP_RIPEMD160 &lt;h&gt; OP_EQUAL.</summary>
    Ripemd160,

    /// <summary><c>hash160(h)</c>: OP_SIZE 32 OP_EQUALVERIFY OP_HASH160 &lt;h&gt; OP_EQUAL.</summary>
    Hash160,

    /// <summary><c>a:X</c>: OP_TOALTSTACK [X] OP_FROMALTSTACK.</summary>
    WrapA,

    /// <summary><c>s:X</c>: OP_SWAP [X].</summary>
    WrapS,

    /// <summary><c>c:X</c>: [X] OP_CHECKSIG.</summary>
    WrapC,

    /// <summary><c>d:X</c>: OP_DUP OP_IF [X] OP_ENDIF.</summary>
    WrapD,

    /// <summary><c>v:X</c>: [X] OP_VERIFY (or the VERIFY form of X's last opcode).</summary>
    WrapV,

    /// <summary><c>j:X</c>: OP_SIZE OP_0NOTEQUAL OP_IF [X] OP_ENDIF.</summary>
    WrapJ,

    /// <summary><c>n:X</c>: [X] OP_0NOTEQUAL.</summary>
    WrapN,

    /// <summary><c>and_v(X,Y)</c>: [X] [Y].</summary>
    AndV,

    /// <summary><c>and_b(X,Y)</c>: [X] [Y] OP_BOOLAND.</summary>
    AndB,

    /// <summary><c>or_b(X,Z)</c>: [X] [Z] OP_BOOLOR.</summary>
    OrB,

    /// <summary><c>or_c(X,Z)</c>: [X] OP_NOTIF [Z] OP_ENDIF.</summary>
    OrC,

    /// <summary><c>or_d(X,Z)</c>: [X] OP_IFDUP OP_NOTIF [Z] OP_ENDIF.</summary>
    OrD,

    /// <summary><c>or_i(X,Z)</c>: OP_IF [X] OP_ELSE [Z] OP_ENDIF.</summary>
    OrI,

    /// <summary><c>andor(X,Y,Z)</c>: [X] OP_NOTIF [Z] OP_ELSE [Y] OP_ENDIF.</summary>
    AndOr,

    /// <summary><c>thresh(k,X1,...,Xn)</c>: [X1] ([Xi] OP_ADD)* &lt;k&gt; OP_EQUAL.</summary>
    Thresh,

    /// <summary><c>multi(k,K1,...,Kn)</c> (P2WSH only): &lt;k&gt; &lt;K1&gt; ... &lt;Kn&gt; &lt;n&gt; OP_CHECKMULTISIG.</summary>
    Multi,

    /// <summary><c>multi_a(k,K1,...,Kn)</c> (Tapscript only): &lt;K1&gt; OP_CHECKSIG (&lt;Ki&gt; OP_CHECKSIGADD)* &lt;k&gt; OP_NUMEQUAL.</summary>
    MultiA,
}

/// <summary>The script context a miniscript is written for (Core <c>miniscript::MiniscriptContext</c>).</summary>
public enum MiniscriptContext
{
    /// <summary>A BIP141 P2WSH witness script (ECDSA, <c>multi</c>, 3600-byte standardness limit).</summary>
    P2Wsh,

    /// <summary>A BIP342 tapscript leaf (Schnorr, x-only keys, <c>multi_a</c>).</summary>
    Tapscript,
}

/// <summary>Whether a satisfaction input (signature, preimage) is available (Core <c>miniscript::Availability</c>).</summary>
public enum MiniscriptAvailability
{
    /// <summary>Not available: no witness can be produced.</summary>
    No,

    /// <summary>Available: the witness is complete.</summary>
    Yes,

    /// <summary>Possibly available later (size estimation with placeholders).</summary>
    Maybe,
}
