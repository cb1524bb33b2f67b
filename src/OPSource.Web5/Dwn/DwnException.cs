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

    /// <summary>An owner signature names a DID other than the tenant.</summary>
    RecordsWriteOwnerAndTenantMismatch,

    /// <summary>A record write by someone other than the tenant, without protocol or grant authorization.</summary>
    RecordsWriteAuthorizationFailed,

    /// <summary>An update changes a property the initial write fixed.</summary>
    RecordsWriteImmutablePropertyChanged,

    /// <summary>An update arrives before the record's initial write.</summary>
    RecordsWriteGetInitialWriteNotFound,

    /// <summary>A write to a deleted record.</summary>
    RecordsWriteNotAllowedAfterDelete,

    /// <summary>An update without data whose previous write has no inline data to carry over.</summary>
    RecordsWriteMissingEncodedDataInPrevious,

    /// <summary>An update without data whose previous write's data is not stored.</summary>
    RecordsWriteMissingDataInPrevious,

    /// <summary>A read filter matches more than one record.</summary>
    RecordsReadReturnedMultiple,

    /// <summary>A deleted record's initial write is missing.</summary>
    RecordsReadInitialWriteNotFound,

    /// <summary>The reader may not read the record.</summary>
    RecordsReadAuthorizationFailed,

    /// <summary>The deleter may not delete the record.</summary>
    RecordsDeleteAuthorizationFailed,

    /// <summary>A query filters published: false but sorts by datePublished.</summary>
    RecordsQueryParseFilterPublishedSortInvalid,

    /// <summary>A role-authorized query without protocolPath in its filter.</summary>
    RecordsQueryFilterMissingRequiredProperties,

    /// <summary>Only the tenant configures protocols.</summary>
    ProtocolsConfigureAuthorizationFailed,

    /// <summary>A protocols query by someone other than the tenant.</summary>
    ProtocolsQueryUnauthorized,

    /// <summary>The record's protocol is not configured on this DWN.</summary>
    ProtocolAuthorizationProtocolNotFound,

    /// <summary>The protocol path's last segment is not a type of the protocol.</summary>
    ProtocolAuthorizationInvalidType,

    /// <summary>The record's schema is not its protocol type's schema.</summary>
    ProtocolAuthorizationInvalidSchema,

    /// <summary>The record's data format is not one its protocol type allows.</summary>
    ProtocolAuthorizationIncorrectDataFormat,

    /// <summary>A record without parent whose protocol path is not a root type.</summary>
    ProtocolAuthorizationParentlessIncorrectProtocolPath,

    /// <summary>The protocol path does not continue the parent's.</summary>
    ProtocolAuthorizationIncorrectProtocolPath,

    /// <summary>The contextId does not continue the parent's.</summary>
    ProtocolAuthorizationIncorrectContextId,

    /// <summary>No rule set at the protocol path.</summary>
    ProtocolAuthorizationMissingRuleSet,

    /// <summary>The rule set has no $actions.</summary>
    ProtocolAuthorizationActionRulesNotFound,

    /// <summary>No action rule allows the author this action.</summary>
    ProtocolAuthorizationActionNotAllowed,

    /// <summary>The invoked protocolRole is not a $role path.</summary>
    ProtocolAuthorizationNotARole,

    /// <summary>A context role was invoked without a contextId.</summary>
    ProtocolAuthorizationMissingContextId,

    /// <summary>The author holds no record of the invoked role.</summary>
    ProtocolAuthorizationMatchingRoleRecordNotFound,

    /// <summary>A role record without a recipient.</summary>
    ProtocolAuthorizationRoleMissingRecipient,

    /// <summary>The recipient already holds this role in this context.</summary>
    ProtocolAuthorizationDuplicateRoleRecipient,

    /// <summary>The data is smaller than the rule set's $size.min.</summary>
    ProtocolAuthorizationMinSizeInvalid,

    /// <summary>The data is larger than the rule set's $size.max.</summary>
    ProtocolAuthorizationMaxSizeInvalid,

    /// <summary>The record's tags do not satisfy the rule set's $tags.</summary>
    ProtocolAuthorizationTagsInvalidSchema,

    /// <summary>A record's ancestor is missing.</summary>
    ProtocolAuthorizationParentNotFoundConstructingRecordChain,

    /// <summary>delegatedGrantId in the (author) signature payload and authorDelegatedGrant must both be present or both absent.</summary>
    RecordsAuthorDelegatedGrantAndIdExistenceMismatch,

    /// <summary>The (author) signature's delegatedGrantId is not the CID of authorDelegatedGrant.</summary>
    RecordsAuthorDelegatedGrantCidMismatch,

    /// <summary>authorDelegatedGrant is not granted to the message's signer.</summary>
    RecordsAuthorDelegatedGrantGrantedToAndOwnerSignatureMismatch,

    /// <summary>authorDelegatedGrant is not a grant with <c>delegated: true</c>.</summary>
    RecordsAuthorDelegatedGrantNotADelegatedGrant,

    /// <summary>delegatedGrantId in the owner signature payload and ownerDelegatedGrant must both be present or both absent.</summary>
    RecordsOwnerDelegatedGrantAndIdExistenceMismatch,

    /// <summary>The owner signature's delegatedGrantId is not the CID of ownerDelegatedGrant.</summary>
    RecordsOwnerDelegatedGrantCidMismatch,

    /// <summary>ownerDelegatedGrant is not granted to the owner signature's signer.</summary>
    RecordsOwnerDelegatedGrantGrantedToAndOwnerSignatureMismatch,

    /// <summary>ownerDelegatedGrant is not a grant with <c>delegated: true</c>.</summary>
    RecordsOwnerDelegatedGrantNotADelegatedGrant,

    /// <summary>A delegate's RecordsQuery/RecordsSubscribe names another protocol than its grant's scope.</summary>
    RecordsGrantAuthorizationQueryOrSubscribeProtocolScopeMismatch,

    /// <summary>A delegate's RecordsDelete deletes a record outside its grant's protocol.</summary>
    RecordsGrantAuthorizationDeleteProtocolScopeMismatch,

    /// <summary>The additional property is not allowed by the JSON schema.</summary>
    SchemaValidatorAdditionalPropertyNotAllowed,

    /// <summary>A property no subschema evaluates is not allowed (unevaluatedProperties: false).</summary>
    SchemaValidatorUnevaluatedPropertyNotAllowed,

    /// <summary>permissionGrantId names no grant record of the permissions protocol.</summary>
    GrantAuthorizationGrantMissing,

    /// <summary>The grant's recipient (grantee) is not the message's author.</summary>
    GrantAuthorizationNotGrantedToAuthor,

    /// <summary>The grant's signer (grantor) is not the tenant.</summary>
    GrantAuthorizationNotGrantedForTenant,

    /// <summary>The message is older than the grant's dateCreated.</summary>
    GrantAuthorizationGrantNotYetActive,

    /// <summary>The message's timestamp is at or after the grant's dateExpires.</summary>
    GrantAuthorizationGrantExpired,

    /// <summary>A revocation of the grant is not newer than the message.</summary>
    GrantAuthorizationGrantRevoked,

    /// <summary>The grant's scope is for another interface.</summary>
    GrantAuthorizationInterfaceMismatch,

    /// <summary>The grant's scope is for another method.</summary>
    GrantAuthorizationMethodMismatch,

    /// <summary>The record's protocol is not the grant scope's protocol.</summary>
    RecordsGrantAuthorizationScopeProtocolMismatch,

    /// <summary>The record's contextId is not under the grant scope's contextId.</summary>
    RecordsGrantAuthorizationScopeContextIdMismatch,

    /// <summary>The record's protocolPath is not the grant scope's protocolPath.</summary>
    RecordsGrantAuthorizationScopeProtocolPathMismatch,

    /// <summary>The grant requires published records.</summary>
    RecordsGrantAuthorizationConditionPublicationRequired,

    /// <summary>The grant prohibits published records.</summary>
    RecordsGrantAuthorizationConditionPublicationProhibited,

    /// <summary>The configured protocol is not the grant scope's protocol.</summary>
    ProtocolsGrantAuthorizationScopeProtocolMismatch,

    /// <summary>The ProtocolsQuery filter's protocol is not the grant scope's protocol.</summary>
    ProtocolsGrantAuthorizationQueryProtocolScopeMismatch,

    /// <summary>A protocol-scoped request or grant lacks the protocol tag.</summary>
    PermissionsProtocolValidateScopeMissingProtocolTag,

    /// <summary>The protocol tag differs from the scope's protocol.</summary>
    PermissionsProtocolValidateScopeProtocolMismatch,

    /// <summary>A Records scope has both contextId and protocolPath.</summary>
    PermissionsProtocolValidateScopeContextIdProhibitedProperties,

    /// <summary>A revocation's protocol tag differs from the revoked grant's scope protocol.</summary>
    PermissionsProtocolValidateRevocationProtocolTagMismatch,

    /// <summary>The tenant is not served by this node.</summary>
    TenantNotActive,

    /// <summary>A MessagesQuery by someone other than the tenant without a Messages grant.</summary>
    MessagesQueryAuthorizationFailed,

    /// <summary>A MessagesRead by someone other than the tenant without a Messages grant.</summary>
    MessagesReadAuthorizationFailed,

    /// <summary>A MessagesSubscribe by someone other than the tenant without a Messages grant.</summary>
    MessagesSubscribeAuthorizationFailed,

    /// <summary>
    /// A filter of a MessagesQuery/MessagesSubscribe names another protocol than the grant's scope (dwn-sdk-js 0.5.2's
    /// member MessagesGrantAuthorizationMismatchedProtocol, whose value, what replies carry, is this name).
    /// </summary>
    EventsGrantAuthorizationMismatchedProtocol,

    /// <summary>The message to read is outside the protocol of the MessagesRead grant.</summary>
    MessagesReadVerifyScopeFailed,

    /// <summary>MessagesRead's messageCid is not a CID.</summary>
    MessagesReadInvalidCid,

    /// <summary>A record has no RecordsWrite.</summary>
    RecordsWriteGetNewestWriteRecordNotFound,
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

    /// <summary>The rule the message broke.</summary>
    public DwnErrorCode Code { get; }

    /// <summary>
    /// Raised while authenticating a signature that the parse step does not cover (a delegated grant's grantor
    /// signature: dwn-sdk-js's authenticate, answered with 401 whatever the code).
    /// </summary>
    public bool IsAuthentication { get; init; }
}
