/// The default CEF field catalogue: SOAR's CEF field names with their default `contains` types,
/// and the ArcSight short keys that normalise to them.
public enum CEFCatalogue {
    /// Long CEF key → default contains types.
    public static let fields: [String: [String]] = {
        var f: [String: [String]] = [
            "applicationProtocol": [], "baseEventCount": [], "bytesIn": [], "bytesOut": [],
            "destinationAddress": ["ip"], "destinationDnsDomain": ["domain"], "destinationHostName": ["host name"],
            "destinationMacAddress": ["mac address"], "destinationNtDomain": ["domain"], "destinationPort": ["port"],
            "destinationProcessId": ["pid"], "destinationProcessName": ["process name"], "destinationServiceName": [],
            "destinationTranslatedAddress": ["ip"], "destinationTranslatedPort": ["port"], "destinationUserId": [],
            "destinationUserName": ["user name"], "destinationUserPrivileges": [],
            "deviceAction": [], "deviceAddress": ["ip"], "deviceCustomDate1": [], "deviceCustomDate1Label": [],
            "deviceCustomDate2": [], "deviceCustomDate2Label": [], "deviceDirection": [], "deviceDnsDomain": ["domain"],
            "deviceEventCategory": [], "deviceEventClassId": [], "deviceExternalId": [], "deviceFacility": [],
            "deviceHostname": ["host name"], "deviceHostName": ["host name"], "deviceInboundInterface": [],
            "deviceMacAddress": ["mac address"], "deviceOutboundInterface": [], "deviceProcessId": ["pid"],
            "deviceProcessName": ["process name"], "deviceProduct": [], "deviceReceiptTime": [], "deviceSeverity": [],
            "deviceTimeZone": [], "deviceTranslatedAddress": ["ip"], "deviceVendor": [], "deviceVersion": [],
            "emailFrom": ["email"], "emailTo": ["email"], "emailSubject": [], "endTime": [], "eventOutcome": [],
            "externalId": [], "fileCreateTime": [], "fileHash": ["hash"], "fileHashMd5": ["md5", "hash"],
            "fileHashSha1": ["sha1", "hash"], "fileHashSha256": ["sha256", "hash"], "fileHashSha512": ["sha512", "hash"],
            "fileId": [], "fileModificationTime": [], "fileName": ["file name"], "filePath": ["file path"],
            "filePermission": [], "fileSize": [], "fileType": [], "message": [], "name": [],
            "oldFileHash": ["hash"], "oldFileName": ["file name"], "oldFilePath": ["file path"], "oldFileSize": [],
            "requestClientApplication": [], "requestContext": [], "requestCookies": [], "requestMethod": [],
            "requestURL": ["url"], "sourceAddress": ["ip"], "sourceDnsDomain": ["domain"], "sourceHostName": ["host name"],
            "sourceMacAddress": ["mac address"], "sourceNtDomain": ["domain"], "sourcePort": ["port"],
            "sourceProcessId": ["pid"], "sourceProcessName": ["process name"], "sourceServiceName": [],
            "sourceTranslatedAddress": ["ip"], "sourceTranslatedPort": ["port"], "sourceUserId": [],
            "sourceUserName": ["user name"], "sourceUserPrivileges": [], "startTime": [], "transportProtocol": [],
        ]
        for i in 1...6 {
            f["deviceCustomString\(i)"] = []
            f["deviceCustomString\(i)Label"] = []
        }
        for i in 1...3 {
            f["deviceCustomNumber\(i)"] = []
            f["deviceCustomNumber\(i)Label"] = []
        }
        for i in 1...4 {
            f["deviceCustomFloatingPoint\(i)"] = []
            f["deviceCustomFloatingPoint\(i)Label"] = []
            f["deviceCustomIPv6Address\(i)"] = ["ip"]
            f["deviceCustomIPv6Address\(i)Label"] = []
        }
        return f
    }()

    /// ArcSight short key → long CEF key.
    public static let shortKeys: [String: String] = {
        var s: [String: String] = [
            "act": "deviceAction", "app": "applicationProtocol", "cat": "deviceEventCategory", "cnt": "baseEventCount",
            "dhost": "destinationHostName", "dmac": "destinationMacAddress", "dntdom": "destinationNtDomain",
            "dpid": "destinationProcessId", "dpriv": "destinationUserPrivileges", "dproc": "destinationProcessName",
            "dpt": "destinationPort", "dst": "destinationAddress", "duid": "destinationUserId", "duser": "destinationUserName",
            "dvc": "deviceAddress", "dvchost": "deviceHostName", "dvcmac": "deviceMacAddress", "dvcpid": "deviceProcessId",
            "dtz": "deviceTimeZone", "end": "endTime", "fname": "fileName", "fsize": "fileSize", "in": "bytesIn",
            "msg": "message", "out": "bytesOut", "outcome": "eventOutcome", "proto": "transportProtocol",
            "request": "requestURL", "rt": "deviceReceiptTime", "shost": "sourceHostName", "smac": "sourceMacAddress",
            "sntdom": "sourceNtDomain", "spid": "sourceProcessId", "spriv": "sourceUserPrivileges",
            "sproc": "sourceProcessName", "spt": "sourcePort", "src": "sourceAddress", "start": "startTime",
            "suid": "sourceUserId", "suser": "sourceUserName",
        ]
        for i in 1...6 {
            s["cs\(i)"] = "deviceCustomString\(i)"
            s["cs\(i)Label"] = "deviceCustomString\(i)Label"
        }
        for i in 1...3 {
            s["cn\(i)"] = "deviceCustomNumber\(i)"
            s["cn\(i)Label"] = "deviceCustomNumber\(i)Label"
        }
        for i in 1...4 {
            s["cfp\(i)"] = "deviceCustomFloatingPoint\(i)"
            s["cfp\(i)Label"] = "deviceCustomFloatingPoint\(i)Label"
            s["c6a\(i)"] = "deviceCustomIPv6Address\(i)"
            s["c6a\(i)Label"] = "deviceCustomIPv6Address\(i)Label"
        }
        return s
    }()

    /// The long name of a key: ArcSight short keys normalised, everything else unchanged.
    public static func normalise(_ key: String) -> String { shortKeys[key] ?? key }

    /// True when the key (after normalisation) is in the default catalogue.
    public static func isKnown(_ key: String) -> Bool { fields[normalise(key)] != nil }

    /// The default contains types of a key, or nil for a custom key.
    public static func containsTypes(_ key: String) -> [String]? { fields[normalise(key)] }
}
