using System.Globalization;
using System.Text.Json.Nodes;

namespace OPSource.Node;

/// <summary>The JSON forms of the node's settings and status shared by the CLI (<c>--json</c>) and REST (snake_case, sat units).</summary>
public static class NodeStatusJson
{
    /// <summary>The settings, the password redacted.</summary>
    public static JsonObject Settings(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["configured"] = options.IsConfigured,
            ["rpc_url"] = options.RpcUrl?.ToString(),
            ["auth"] = options.DescribeAuth(),
            ["zmq_block"] = options.ZmqBlock?.ToString(),
            ["zmq_tx"] = options.ZmqTx?.ToString(),
            ["timeout_s"] = options.TimeoutSeconds,
            ["max_retries"] = options.MaxRetries,
            ["poll_interval_s"] = options.PollIntervalSeconds,
        };
    }

    /// <summary>The node's status.</summary>
    public static JsonObject Status(NodeStatus status, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(status);
        var json = Settings(options);
        json["network"] = status.Network.Name;
        json["chain"] = status.Chain;
        json["network_matches"] = status.NetworkMatches;
        json["version"] = status.VersionText;
        json["subversion"] = status.Subversion;
        json["connections"] = status.Connections;
        json["blocks"] = status.Blocks;
        json["headers"] = status.Headers;
        json["sync_lag_blocks"] = status.SyncLag;
        json["best_block_hash"] = status.BestBlockHash.ToString();
        json["tip_time"] = status.TipTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        json["initial_block_download"] = status.InitialBlockDownload;
        json["verification_progress"] = status.VerificationProgress;
        json["pruned"] = status.Pruned;
        json["relay_fee_sat_vb"] = status.RelayFee.SatoshisPerVByte;
        json["mempool"] = new JsonObject
        {
            ["size"] = status.Mempool.Size,
            ["bytes"] = status.Mempool.Bytes,
            ["total_fee_sat"] = status.Mempool.TotalFee.Satoshis,
            ["min_fee_sat_vb"] = status.Mempool.MempoolMinFee.SatoshisPerVByte,
        };
        json["warnings"] = new JsonArray([.. status.Warnings.Select(w => (JsonNode)JsonValue.Create(w))]);
        return json;
    }
}
