package catalog

import "net/http"

// The request bodies exactly as printed in the Dexatel seed (002), "Example of Delivery
// method request body" and "Example of Message method request body".
const (
	seedDelivery = `{
    "data": {
        "account_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "message_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "event": "delivery",
        "status": "delivered",
        "timestamp": "2022-03-01 13:00:00"
    }
}`
	seedMessage = `{
    "data": {
        "account_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "event": "message",
        "from": "1222444444",
        "to": "122233333",
        "text": "sign me in please",
        "channel": "sms",
        "timestamp": "2022-03-01 13:00:00"
    }
}`
	// seedSignature is the X-Dexatel-Signature the seed shows with both examples.
	seedSignature = "9051c49f2eed4cfe8125cba47a275e1460402ad2a4bc94d417fd1e10d9c55339"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}
