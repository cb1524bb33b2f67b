using OPSource.Bitcoin;

namespace OPSource.Web5;

/// <summary>Which Web5 format a text or byte string failed to parse as (codes <c>web5.kind</c>, docs/errors.md).</summary>
public enum Web5FormatErrorKind
{
    /// <summary>Not JSON, or not a JSON object where one is required.</summary>
    InvalidJson,

    /// <summary>Not a DID (<c>did:method:id</c>).</summary>
    InvalidDid,

    /// <summary>A DID document or verification method breaks the DID Core data model.</summary>
    InvalidDidDocument,

    /// <summary>A portable DID (export) is malformed or inconsistent.</summary>
    InvalidPortableDid,

    /// <summary>Not base64url.</summary>
    InvalidBase64Url,

    /// <summary>A DNS packet (did:dht) is truncated or malformed.</summary>
    InvalidDnsPacket,

    /// <summary>A BEP44 relay body is too short or too long.</summary>
    InvalidBep44,

    /// <summary>did:dht records are incomplete or malformed.</summary>
    InvalidDidDht,

    /// <summary>Not canonical DAG-CBOR.</summary>
    InvalidDagCbor,

    /// <summary>A JSONPath query does not parse.</summary>
    InvalidJsonPath,

    /// <summary>An urkel proof (hsd) is malformed.</summary>
    InvalidUrkelProof,

    /// <summary>A Handshake resource or name state is truncated or malformed.</summary>
    InvalidHnsResource,

    /// <summary>A Handshake name is not normalized.</summary>
    InvalidHnsName,

    /// <summary>An encrypted key envelope is malformed.</summary>
    InvalidKeyEnvelope,
}

/// <summary>
/// A typed Web5 parse error: the message names the format and the rule (<c>did: 'x' is not a DID</c>), the code is
/// <c>web5.kind</c>. It derives from the library's <see cref="BitcoinError"/>, the one base of typed input errors, so
/// the hosts report it as the user's input (CLI exit 1, HTTP 400) and any other exception as a bug.
/// </summary>
public sealed class Web5FormatError : BitcoinError<Web5FormatErrorKind>
{
    /// <summary>Creates the error.</summary>
    public Web5FormatError(Web5FormatErrorKind kind, string message, int? position = null)
        : base("web5", kind, message, position)
    {
    }

    /// <summary>The exception form (a <see cref="BitcoinFormatException"/>), for the throwing parsers.</summary>
    public static BitcoinFormatException Exception(Web5FormatErrorKind kind, string message, int? position = null) =>
        new Web5FormatError(kind, message, position).ToException();
}
