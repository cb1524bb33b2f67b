using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Credentials;

/// <summary>
/// Status List 2021 (https://www.w3.org/TR/2023/WD-vc-status-list-20230427/): a credential whose subject
/// carries a 16 KiB bitstring (131,072 entries), GZIP-compressed and base64url-encoded; bit i is bit
/// (7 - i % 8) of byte i / 8 ("the first index is the left-most bit"). A credential points into it
/// with a StatusList2021Entry (statusListIndex, statusListCredential, statusPurpose).
/// </summary>
public static class StatusList
{
    /// <summary>Bits in a list (the spec's minimum, 16 KiB, for herd privacy).</summary>
    public const int Size = 16 * 1024 * 8;

    /// <summary>The credential type.</summary>
    public const string CredentialType = "StatusList2021Credential";

    /// <summary>A credentialStatus entry pointing at <paramref name="index"/> of a list.</summary>
    public static JsonObject Entry(string statusListCredentialId, int index, string purpose = "revocation")
    {
        CheckIndex(index);
        var i = index.ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["id"] = statusListCredentialId + "#" + i,
            ["type"] = "StatusList2021Entry",
            ["statusPurpose"] = purpose,
            ["statusListIndex"] = i,
            ["statusListCredential"] = statusListCredentialId,
        };
    }

    /// <summary>Creates the status list credential with the given indexes set (revoked or suspended).</summary>
    public static VerifiableCredential Create(string statusListCredentialId, string issuer, string purpose, IEnumerable<int> setIndexes, DateTimeOffset? issuanceDate = null)
    {
        ArgumentNullException.ThrowIfNull(setIndexes);
        var model = new JsonObject
        {
            ["@context"] = new JsonArray(VerifiableCredential.BaseContext, VerifiableCredential.StatusListContext),
            ["type"] = new JsonArray(VerifiableCredential.BaseType, CredentialType),
            ["id"] = statusListCredentialId,
            ["issuer"] = issuer,
            ["issuanceDate"] = VerifiableCredential.Timestamp(issuanceDate ?? DateTimeOffset.UtcNow),
            ["credentialSubject"] = new JsonObject
            {
                ["id"] = statusListCredentialId,
                ["type"] = "StatusList2021",
                ["statusPurpose"] = purpose,
                ["encodedList"] = Encode(setIndexes),
            },
        };
        return VerifiableCredential.FromModel(model);
    }

    /// <summary>The encodedList of a bitstring with the given indexes set (duplicates refused).</summary>
    public static string Encode(IEnumerable<int> setIndexes)
    {
        ArgumentNullException.ThrowIfNull(setIndexes);
        var bits = new byte[Size / 8];
        var seen = new HashSet<int>();
        foreach (var index in setIndexes)
        {
            CheckIndex(index);
            if (!seen.Add(index))
            {
                throw new CredentialException($"status list: duplicate index {index}");
            }

            bits[index / 8] |= (byte)(1 << (7 - (index % 8)));
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bits);
        }

        return B64Url.Encode(output.ToArray());
    }

    /// <summary>Reads bit <paramref name="index"/> of an encodedList.</summary>
    public static bool GetBit(string encodedList, int index)
    {
        CheckIndex(index);
        var compressed = B64Url.TryDecode(encodedList, out var c) ? c : throw new CredentialException("status list: encodedList is not base64url");
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var bits = new byte[Size / 8];
        var read = 0;
        try
        {
            int n;
            while (read < bits.Length && (n = input.Read(bits, read, bits.Length - read)) > 0)
            {
                read += n;
            }
        }
        catch (InvalidDataException)
        {
            throw new CredentialException("status list: encodedList is not GZIP data");
        }

        if (index / 8 >= read)
        {
            throw new CredentialException($"status list: index {index} is past the list");
        }

        return ((bits[index / 8] >> (7 - (index % 8))) & 1) == 1;
    }

    /// <summary>
    /// True when <paramref name="credential"/>'s status bit is set in <paramref name="statusList"/>
    /// (purposes must match; the list must be the one the entry names).
    /// </summary>
    public static bool IsSet(VerifiableCredential credential, VerifiableCredential statusList)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(statusList);
        var entry = credential.Model["credentialStatus"] as JsonObject ?? throw new CredentialException("status list: the credential has no credentialStatus");
        var subject = statusList.CredentialSubject ?? throw new CredentialException("status list: the list has no credentialSubject");
        var purpose = entry.GetString("statusPurpose") ?? throw new CredentialException("status list: the credential's statusPurpose is missing");
        if (purpose != subject.GetString("statusPurpose"))
        {
            throw new CredentialException("status list: status purposes differ");
        }

        if (entry.GetString("statusListCredential") is { } listId && statusList.Id is { } id && listId != id)
        {
            throw new CredentialException("status list: the credential points at another list");
        }

        if (!int.TryParse(entry.GetString("statusListIndex"), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new CredentialException("status list: statusListIndex is not a non-negative integer");
        }

        return GetBit(subject.GetString("encodedList") ?? throw new CredentialException("status list: encodedList is missing"), index);
    }

    private static void CheckIndex(int index)
    {
        if (index is < 0 or >= Size)
        {
            throw new CredentialException($"status list: index {index} is outside 0..{Size - 1}");
        }
    }
}
