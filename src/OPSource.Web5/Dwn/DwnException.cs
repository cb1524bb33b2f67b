namespace OPSource.Web5.Dwn;

/// <summary>
/// Why a DWN message was refused; the names are dwn-sdk-js 0.5's <c>DwnErrorCode</c> values
/// (src/core/dwn-error.ts) so replies and logs read the same as the reference's.
/// </summary>
public enum DwnErrorCode
{
    /// <summary>The message is not a JSON object of the expected shape (a required property is missing or has the wrong type).</summary>
    SchemaValidatorFailure,

    /// <summary>The interface/method pair is not one this node handles.</summary>
    MessageInterfaceMethodNotSupported,

    /// <summary>The message carries no authorization where one is required.</summary>
    AuthenticateJwsMissing,

    /// <summary>The authorization JWS has more (or fewer) than one signature.</summary>
    AuthenticationMoreThanOneSignatureNotSupported,

    /// <summary>The signature payload's descriptorCid is not the CID of the descriptor.</summary>
    AuthenticateDescriptorCidMismatch,

    /// <summary>The signature payload is not a base64url JSON object.</summary>
    JwsDecodePlainObjectPayloadInvalid,

    /// <summary>The kid does not dereference to a JWK verification method of the signer's DID.</summary>
    GeneralJwsVerifierGetPublicKeyNotFound,

    /// <summary>The signature does not verify with the signer's key.</summary>
    GeneralJwsVerifierInvalidSignature,

    /// <summary>The signer's DID does not resolve.</summary>
    DidResolutionFailed,

    /// <summary>A timestamp is not an RFC 3339 UTC time with exactly six fractional digits.</summary>
    TimestampInvalid,

    /// <summary>The recordId in the signature payload differs from the message's.</summary>
    RecordsWriteValidateIntegrityRecordIdUnauthorized,

    /// <summary>The contextId in the signature payload differs from the message's.</summary>
    RecordsWriteValidateIntegrityContextIdNotInSignerSignaturePayload,

    /// <summary>A root protocol record's contextId is not its recordId.</summary>
    RecordsWriteValidateIntegrityContextIdMismatch,

    /// <summary>An attestation or encryption CID in the signature payload does not match the message.</summary>
    RecordsWriteValidateIntegrityAttestationMismatch,

    /// <summary>An initial write's messageTimestamp differs from its dateCreated.</summary>
    RecordsWriteValidateIntegrityDateCreatedMismatch,

    /// <summary>The data does not hash to the descriptor's dataCid.</summary>
    RecordsWriteDataCidMismatch,

    /// <summary>The data length differs from the descriptor's dataSize.</summary>
    RecordsWriteDataSizeMismatch,

    /// <summary>dateCreated/datePublished/published are inconsistent.</summary>
    RecordsWriteValidateIntegrityDatePublishedMismatch,

    /// <summary>A protocol URI is not in normalized form.</summary>
    UrlProtocolNotNormalized,

    /// <summary>A schema URI is not in normalized form.</summary>
    UrlSchemaNotNormalized,

    /// <summary>The protocol definition breaks a structural rule.</summary>
    ProtocolsConfigureInvalidDefinition,
}

/// <summary>A DWN message that was refused; <see cref="Code"/> names the rule (dwn-sdk-js's code).</summary>
public sealed class DwnException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DwnException(DwnErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Creates the exception.</summary>
    public DwnException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DwnException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DwnException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The rule the message broke.</summary>
    public DwnErrorCode Code { get; }
}
