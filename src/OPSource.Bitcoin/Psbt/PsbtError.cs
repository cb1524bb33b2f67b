namespace OPSource.Bitcoin.Psbt;

/// <summary>Why a PSBT could not be read, combined, extracted or extended (BIP174/370/371).</summary>
public enum PsbtErrorKind
{
    /// <summary>The text is empty.</summary>
    Empty,

    /// <summary>The text is neither base64 nor hex.</summary>
    InvalidEncoding,

    /// <summary>The data does not start with the magic bytes 70736274ff (BIP174).</summary>
    MissingMagic,

    /// <summary>A map is truncated: a key or value runs past the data, or a length is not a valid compact size (BIP174).</summary>
    MalformedMap,

    /// <summary>A key appears twice in one map (BIP174: keys within a map must be unique).</summary>
    DuplicateKey,

    /// <summary>A PSBT_GLOBAL_VERSION other than 0 or 2.</summary>
    UnsupportedVersion,

    /// <summary>A field whose key or value breaks its BIP174/370/371 rule (the message names the map and field).</summary>
    InvalidField,

    /// <summary>A field the version requires is absent (BIP174 unsigned_tx, BIP370 counts, txids, amounts...).</summary>
    MissingField,

    /// <summary>Fewer maps than the transaction or the counts need, or counts larger than the data.</summary>
    MissingMap,

    /// <summary>Bytes after the last output map.</summary>
    TrailingBytes,

    /// <summary>A non_witness_utxo that does not match the outpoint it claims to fund.</summary>
    UtxoMismatch,

    /// <summary>BIP370 lock time determination: the inputs' time and height requirements conflict.</summary>
    LockTimeConflict,

    /// <summary>Combiner: no PSBTs, different transactions, or conflicting values for one key.</summary>
    CombineMismatch,

    /// <summary>Extractor: an input has no final_scriptsig or final_scriptwitness.</summary>
    NotFinalized,

    /// <summary>Constructor: a version 0 PSBT, or inputs/outputs not modifiable (PSBT_GLOBAL_TX_MODIFIABLE).</summary>
    NotModifiable,

    /// <summary>Constructor: an insertion index out of range, or a pair without an index when counts differ.</summary>
    IndexOutOfRange,

    /// <summary>Constructor: the new input is invalid (spends an outpoint already spent, bad lock time requirement).</summary>
    InvalidInput,

    /// <summary>Constructor: existing signatures commit to what the change would alter.</summary>
    SignaturesCommit,
}

/// <summary>
/// A typed PSBT error (<c>psbt.*</c>). Messages start with <c>psbt:</c> and name the map (global,
/// input N, output N), the field and the rule; <see cref="BitcoinError.Position"/> is the byte offset
/// in the binary PSBT where the offending map or key starts, when known.
/// </summary>
public sealed class PsbtError : BitcoinError<PsbtErrorKind>
{
    /// <summary>Creates an error.</summary>
    public PsbtError(PsbtErrorKind kind, string message, int? position = null)
        : base("psbt", kind, message, position)
    {
    }
}
