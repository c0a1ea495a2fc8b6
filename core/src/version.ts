/** The Storhub release and the LINSTOR REST API version it speaks. */
export const STORHUB_VERSION = '0.1.0';
export const REST_API_VERSION = '1.28.0';
export const BUILD_TIME = new Date().toISOString();
