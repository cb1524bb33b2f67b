using System.Text.Json.Nodes;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The reply to a DWN message as dwn-sdk-js 0.5 returns it (UnionMessageReply): an HTTP-like status, and for
/// queries the entries and a pagination cursor, for reads the entry (recordsWrite, initialWrite or recordsDelete)
/// and the record data.
/// </summary>
/// <param name="Code">Status code (200 OK, 202 Accepted, 204 No Content, 400, 401, 404, 409).</param>
/// <param name="Detail">Status detail ("OK", "Accepted", or the refusal as "DwnErrorCode: message").</param>
public sealed record DwnReply(int Code, string Detail)
{
    /// <summary>Query results (RecordsQuery entries carry encodedData; ProtocolsQuery the configure messages).</summary>
    public JsonArray? Entries { get; init; }

    /// <summary>RecordsRead's entry: recordsWrite and initialWrite, or recordsDelete and initialWrite for a deleted record.</summary>
    public JsonObject? Entry { get; init; }

    /// <summary>RecordsRead's data (sent as the HTTP body by the JSON-RPC endpoint, not in the JSON).</summary>
    public byte[]? Data { get; init; }

    /// <summary>The cursor of the next page, if more results follow.</summary>
    public JsonObject? Cursor { get; init; }

    /// <summary>RecordsSubscribe's <c>{id}</c> of the opened subscription.</summary>
    public JsonObject? Subscription { get; init; }

    /// <summary>A refusal carrying the error's code in its detail as dwn-sdk-js's DwnError does.</summary>
    public static DwnReply FromError(DwnException error, int code)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new DwnReply(code, $"{error.Code}: {error.Message}");
    }

    /// <summary>The reply JSON: {status: {code, detail}, entries?, entry?, cursor?, subscription?} (data is never part of it).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["status"] = new JsonObject { ["code"] = Code, ["detail"] = Detail } };
        if (Entries is not null)
        {
            json["entries"] = Entries.DeepClone();
        }

        if (Entry is not null)
        {
            json["entry"] = Entry.DeepClone();
        }

        if (Cursor is not null)
        {
            json["cursor"] = Cursor.DeepClone();
        }

        if (Subscription is not null)
        {
            json["subscription"] = Subscription.DeepClone();
        }

        return json;
    }
}
